// Namespace policies through the real CLI over snapshots: plan, limits shared with pods, explain.
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { asList, buildNamespace, buildPod, hours, iso, T0 } from "../fixtures/builders.ts";
import { runCli, writeConfig } from "../helpers/cli.ts";
import { parseReport } from "../helpers/report-shape.ts";

const NOW = iso(T0);

function snapshot(): string {
  const aged = (name: string, age: number, annotations: Record<string, string> = {}) => {
    const ns = buildNamespace(name, {}, annotations);
    ns.metadata!.creationTimestamp = iso(T0 - age);
    return ns;
  };
  const file = writeConfig("");
  writeFileSync(
    file,
    JSON.stringify(
      asList([
        aged("preview-a", hours(3)),
        aged("preview-b", hours(1)),
        aged("preview-c", hours(1)),
        aged("preview-d", hours(5), { "kube-sweeper.io/ttl": "forever" }),
        aged("preview-e", hours(4), { "kube-sweeper.io/done.max-age": "2026-11-21T09:00:00Z" }),
        aged("default", hours(500)),
        buildPod({ name: "e2e-1", namespace: "preview-b", phase: "Succeeded", labels: { "job-name": "e2e" } }),
        buildPod({ name: "e2e-2", namespace: "preview-b", phase: "Succeeded", labels: { "job-name": "e2e" } }),
        buildPod({ name: "e2e-1", namespace: "preview-c", phase: "Succeeded", labels: { "job-name": "e2e" } }),
        buildPod({ name: "e2e-2", namespace: "preview-c", phase: "Running", labels: { "job-name": "e2e" } }),
        buildPod({ name: "crash-1", namespace: "preview-c", restarts: 9 }),
      ]),
    ),
  );
  return file;
}

const CONFIG = `
settings: {waitBetweenActions: 0}
policies:
  - {name: crash, target: pods, when: {restarts: {atLeast: 5}}, action: delete}
  - {name: e2e-done, target: namespaces, match: {name: "^preview-"}, when: {podsSucceeded: {selector: "job-name=e2e", allowNone: false}}, action: deleteNamespace}
  - {name: max-age, target: namespaces, match: {name: "^(preview-|default$)"}, when: {ttl: 2h}, action: deleteNamespace}
`;

test("namespace plan: podsSucceeded, ttl with a forever override, once-only records, default protected", async () => {
  const result = await runCli(["plan", "-o", "json", "-c", writeConfig(CONFIG), "--snapshot", snapshot(), "--now", NOW]);
  assert.equal(result.code, 0, result.stderr);
  const report = parseReport(result.stdout);
  assert.deepEqual(
    report.actions.map((a) => [a.target.kind, a.target.name, a.policy, a.action]),
    // Oldest first across kinds: preview-a (3h), then preview-b and the pod in preview-c (1h, by name).
    [
      ["Namespace", "preview-a", "max-age", "deleteNamespace"],
      ["Namespace", "preview-b", "e2e-done", "deleteNamespace"],
      ["Pod", "crash-1", "crash", "delete"],
    ],
  );
  assert.deepEqual(report.actions[1]!.reasons, ["2 of 2 pods (job-name=e2e) Succeeded"]);
  assert.deepEqual(report.skipped, [{ policy: "max-age", target: { kind: "Namespace", name: "default" }, reason: "protected: protected namespace default" }]);
  assert.deepEqual(report.summary.evaluated, { pods: 5, namespaces: 6 });
});

test("maxActions counts pod and namespace actions together", async () => {
  const result = await runCli(["plan", "-o", "json", "-c", writeConfig(CONFIG.replace("waitBetweenActions: 0", "waitBetweenActions: 0, maxActions: 2")), "--snapshot", snapshot(), "--now", NOW]);
  const report = parseReport(result.stdout);
  assert.equal(report.actions.length, 2);
  assert.ok(report.skipped.some((s) => s.reason === "limit: maxActions 2 (2 planned)"));
});

test("explain namespace/<name>: every condition with its numbers, the once-only record and the outcome", async () => {
  const c = await runCli(["explain", "namespace/preview-c", "-o", "table", "-c", writeConfig(CONFIG), "--snapshot", snapshot(), "--now", NOW]);
  assert.equal(c.code, 0, c.stderr);
  assert.match(c.stdout, /\[NO \] when\.podsSucceeded: 1 of 2 pods \(job-name=e2e\) Succeeded/);
  assert.match(c.stdout, /\[NO \] when\.ttl: age 1h < ttl 2h \(policy\)/);
  assert.match(c.stdout, /outcome: not matched by any policy/);
  const e = await runCli(["explain", "namespace/preview-e", "-o", "table", "-c", writeConfig(CONFIG), "--snapshot", snapshot(), "--now", NOW]);
  assert.match(e.stdout, /held back: already done by this policy at 2026-11-21T09:00:00Z \(once-only\)/);
  const d = await runCli(["explain", "namespace/preview-d", "-o", "json", "-c", writeConfig(CONFIG), "--snapshot", snapshot(), "--now", NOW]);
  const explained = JSON.parse(d.stdout) as { policies: { name: string; conditions: { reason: string }[] }[] };
  assert.equal(explained.policies.find((p) => p.name === "max-age")!.conditions[0]!.reason, "ttl forever (annotation kube-sweeper.io/ttl)");
});

test("the blast-radius percentage weighs namespaces against namespaces evaluated", async () => {
  const config = CONFIG.replace("waitBetweenActions: 0", "waitBetweenActions: 0, abortIfMoreThan: {percent: 30}");
  const result = await runCli(["plan", "-o", "json", "-c", writeConfig(config), "--snapshot", snapshot(), "--now", NOW]);
  assert.equal(result.code, 3);
  assert.match(parseReport(result.stdout).abortReason ?? "", /2 of 6 namespaces in scope \(33\.3%\)/);
});

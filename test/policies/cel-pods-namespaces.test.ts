// when.cel on pod and namespace policies: bound as for resources (object, now, age), compiled
// with the config, runtime errors reported per object and never acted on.
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { podConditions } from "../../src/policies/pods/conditions/index.ts";
import { namespaceConditions } from "../../src/policies/namespaces/conditions/index.ts";
import { compileCel } from "../../src/core/cel.ts";
import { namespaceInfo } from "../../src/cluster/view.ts";
import { asList, buildNamespace, buildPod, hours, iso, T0 } from "../fixtures/builders.ts";
import { runCli, writeConfig } from "../helpers/cli.ts";
import { parseReport } from "../helpers/report-shape.ts";

const program = (source: string) => {
  const c = compileCel(source);
  if (!c.ok) throw new Error(c.message);
  return c.program;
};
const podCtx = { now: T0, nodes: undefined, namespaces: undefined };
const ns = (labels: Record<string, string>, age: number) => {
  const n = namespaceInfo(buildNamespace("preview-1", labels));
  n.creationTimestamp = iso(T0 - age);
  return n;
};
const nsCtx = { now: T0, podCounts: () => undefined };

const cases: [string, boolean, () => { holds: boolean; reason: string }, RegExp?][] = [
  ["pod: restartPolicy Never and 2h old holds", true, () => podConditions.cel(buildPod({ name: "a-1", age: hours(2) }, (p) => (p.spec!.restartPolicy = "Never")), program('object.spec.restartPolicy == "Never" && age >= duration("2h")'), podCtx), /is true/],
  ["pod: the same a second younger does not hold", false, () => podConditions.cel(buildPod({ name: "a-1", age: hours(2) - 1000 }, (p) => (p.spec!.restartPolicy = "Never")), program('object.spec.restartPolicy == "Never" && age >= duration("2h")'), podCtx)],
  ["pod: labels as a map", true, () => podConditions.cel(buildPod({ name: "a-1", labels: { tier: "batch" } }), program('object.metadata.labels["tier"] == "batch"'), podCtx)],
  ["pod: created in the future never holds", false, () => podConditions.cel(buildPod({ name: "a-1", age: -hours(1) }), program("true"), podCtx), /future/],
  ["pod: a missing field is an error, never holds", false, () => podConditions.cel(buildPod({ name: "a-1" }), program("object.spec.priority > 5"), podCtx), /cel error/],
  ["namespace: label and age", true, () => namespaceConditions.cel(ns({ team: "qa" }, hours(5)), program('object.metadata.labels.team == "qa" && age > duration("4h")'), nsCtx, 0)],
  ["namespace: wrong label does not hold", false, () => namespaceConditions.cel(ns({ team: "dev" }, hours(5)), program('object.metadata.labels.team == "qa"'), nsCtx, 0), /is false/],
  ["namespace: status.phase is bound", true, () => namespaceConditions.cel(ns({}, hours(1)), program('object.status.phase == "Active"'), nsCtx, 0)],
];
for (const [name, holds, run, reason] of cases) {
  test(`when.cel ${name}`, () => {
    const v = run();
    assert.equal(v.holds, holds, v.reason);
    if (reason) assert.match(v.reason, reason);
  });
}

test("when.cel compile errors on pod and namespace policies name the path and column", async () => {
  const config = writeConfig(`policies:\n  - {name: p, target: pods, when: {cel: "object.spec.nodeName = 'x'"}, action: delete}\n  - {name: n, target: namespaces, when: {cel: "age > 5"}, action: deleteNamespace}\n`);
  const result = await runCli(["validate", "-c", config]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /policies\[0\]\.when\.cel: CEL syntax error at line 1, column 22/);
  assert.match(result.stderr, /policies\[1\]\.when\.cel: CEL type error at line 1, column 1: .*google.protobuf.Duration.*int/);
});

test("a pod whose when.cel fails at runtime is reported under skipped with the error, and not acted on", async () => {
  const file = writeConfig("");
  writeFileSync(file, JSON.stringify(asList([buildPod({ name: "web-1", namespace: "apps", restarts: 5 }), buildPod({ name: "web-2", namespace: "apps", restarts: 5 }, (p) => (p.spec!.priority = 10))])));
  const config = writeConfig(`policies:\n  - {name: p, target: pods, when: {restarts: {atLeast: 1}, cel: "object.spec.priority >= 10"}, action: delete}\n`);
  const result = await runCli(["plan", "-o", "json", "-c", config, "--snapshot", file, "--now", iso(T0)]);
  assert.equal(result.code, 0, result.stderr);
  const report = parseReport(result.stdout);
  assert.deepEqual(report.actions.map((a) => a.target.name), ["web-2"]);
  assert.deepEqual(report.skipped.map((s) => [s.policy, s.target.name]), [["p", "web-1"]]);
  assert.match(report.skipped[0]!.reason, /^when.cel: .*priority.*: not acted on$/);
});

// The shipped Grafana dashboard and Prometheus rules: every metric they query is one kube-sweeper
// really writes (read from a textfile written by publishMetrics), and the rules are valid
// PromQL that fire when they should (promtool check rules / test rules, when promtool is here).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { publishMetrics } from "../../src/report/metrics.ts";
import { buildReport } from "../../src/report/report.ts";
import type { ImageFinding } from "../../src/images/check.ts";

const dir = new URL("../../deploy/monitoring/", import.meta.url).pathname;
const rules = parseYaml(readFileSync(join(dir, "prometheus-rules.yaml"), "utf8")) as { groups: { name: string; rules: { alert: string; expr: string; labels: { severity: string }; annotations: { summary: string } }[] }[] };
const dashboard = JSON.parse(readFileSync(join(dir, "grafana-dashboard.json"), "utf8")) as { uid: string; panels: { id: number; targets: { expr: string }[] }[]; templating: { list: { query: string | object }[] } };

/** Every metric a run can write: a sweep with actions, and an image check with every status. */
async function writtenMetrics(): Promise<Set<string>> {
  const file = join(mkdtempSync(join(tmpdir(), "ks-mon-")), "m.prom");
  const report = buildReport({
    mode: "sweep", startedAt: 0, finishedAt: 1000, source: { server: "s", version: "" }, evaluated: { pods: 1, namespaces: 1 }, skipped: [],
    actions: [{ policy: "p", action: "delete", target: { kind: "Pod", namespace: "a", name: "b", uid: "u" }, reasons: [], status: "failed", detail: "", at: null }],
  });
  const workloads = [{ kind: "Deployment", namespace: "a", name: "w", container: "c", image: "r/x:1" }];
  const images: ImageFinding[] = (["available", "absent", "bad-format", "auth-failure", "authz-failure", "unknown-error"] as const).map((status) => ({ image: `r/${status}:1`, status, detail: "", workloads, policies: [] }));
  assert.deepEqual(await publishMetrics(report, 0, { file }, [...images, { ...images[5]!, registryUnavailable: true }]), []);
  return new Set([...readFileSync(file, "utf8").matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
}

const referenced = (expressions: string[]) => new Set(expressions.flatMap((e) => [...e.matchAll(/\b(kube_sweeper_\w+|k8s_image_availability_exporter_\w+)\b/g)].map((m) => m[1]!)));

test("every metric the dashboard and the alert rules query is one kube-sweeper writes", async () => {
  const written = await writtenMetrics();
  const inRules = referenced(rules.groups.flatMap((g) => g.rules.map((r) => r.expr)));
  const inDashboard = referenced([...dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)), ...dashboard.templating.list.map((v) => String(v.query))]);
  assert.ok(inRules.size >= 5 && inDashboard.size >= 8, `${inRules.size} in rules, ${inDashboard.size} in the dashboard`);
  for (const name of [...inRules, ...inDashboard]) assert.ok(written.has(name), `${name} is queried but never written (written: ${[...written].join(", ")})`);
  // The other way round: nothing kube-sweeper writes is left off both.
  for (const name of written) assert.ok(inRules.has(name) || inDashboard.has(name), `${name} is written but neither charted nor alerted on`);
});

test("alert rules have a severity and a summary; dashboard panels have unique ids", () => {
  for (const rule of rules.groups.flatMap((g) => g.rules)) {
    assert.match(rule.alert, /^KubeSweeper[A-Z]\w+$/);
    assert.ok(["info", "warning", "critical"].includes(rule.labels.severity), rule.alert);
    assert.ok(rule.annotations.summary, rule.alert);
  }
  const ids = dashboard.panels.map((p) => p.id);
  assert.equal(new Set(ids).size, ids.length);
  assert.equal(dashboard.uid, "kube-sweeper");
});

const promtool = spawnSync("sh", ["-c", "command -v promtool"], { encoding: "utf8" }).stdout.trim();
test("promtool: the rules are valid PromQL and fire on synthetic series as rules.test.yaml expects", { skip: promtool ? false : "promtool is not installed (Debian package prometheus; .ci/run installs it)" }, () => {
  for (const args of [["check", "rules", "prometheus-rules.yaml"], ["test", "rules", "rules.test.yaml"]]) {
    const r = spawnSync(promtool, args, { cwd: dir, encoding: "utf8" });
    assert.equal(r.status, 0, `${args.join(" ")}: ${r.stdout}${r.stderr}`);
  }
});

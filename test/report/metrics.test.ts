// The metrics textfile: atomic, and a failed run keeps the previous last-success time.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { publishMetrics } from "../../src/report/metrics.ts";
import { buildReport } from "../../src/report/report.ts";

const report = (finished: string, statuses: ("done" | "failed")[]) =>
  buildReport({
    mode: "sweep",
    startedAt: Date.parse(finished) - 2000,
    finishedAt: Date.parse(finished),
    source: { server: "https://x", version: "v1" },
    evaluated: { pods: 10, namespaces: 2 },
    actions: statuses.map((status, i) => ({ policy: "p", action: "delete" as const, target: { kind: "Pod" as const, namespace: "a", name: `p${i}`, uid: `u${i}` }, reasons: [], status, detail: "", at: null })),
    skipped: [],
  });

const value = (text: string, line: string) => text.split("\n").find((l) => l.startsWith(line))?.split(" ").at(-1);

test("textfile: counters per run; a failed run keeps the last success; no temporary file left", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ks-metrics-"));
  const file = join(dir, "kube-sweeper.prom");
  assert.deepEqual(await publishMetrics(report("2026-11-21T10:00:00Z", ["done", "done"]), 0, { file }), []);
  let text = readFileSync(file, "utf8");
  assert.equal(value(text, 'kube_sweeper_actions_total{policy="p",action="delete",status="done"}'), "2");
  assert.equal(value(text, "kube_sweeper_last_success_timestamp_seconds "), String(Date.parse("2026-11-21T10:00:00Z") / 1000));
  assert.equal(value(text, "kube_sweeper_run_duration_seconds "), "2");
  assert.equal(value(text, 'kube_sweeper_evaluated_objects{kind="pods"}'), "10");

  await publishMetrics(report("2026-11-21T11:00:00Z", ["failed"]), 1, { file });
  text = readFileSync(file, "utf8");
  assert.equal(value(text, "kube_sweeper_last_exit_code "), "1");
  assert.equal(value(text, "kube_sweeper_last_success_timestamp_seconds "), String(Date.parse("2026-11-21T10:00:00Z") / 1000));
  assert.equal(value(text, 'kube_sweeper_actions_total{policy="p",action="delete",status="failed"}'), "1");
  assert.deepEqual(readdirSync(dir), ["kube-sweeper.prom"]);
});

test("textfile: an unwritable path is reported, not thrown", async () => {
  const problems = await publishMetrics(report("2026-11-21T10:00:00Z", []), 0, { file: "/nonexistent-dir/x.prom" });
  assert.equal(problems.length, 1);
  assert.match(problems[0]!, /^metrics file \/nonexistent-dir\/x\.prom: /);
});

// The metrics textfile: atomic, and a failed run keeps the previous last-success time.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { publishMetrics } from "../../src/report/metrics.ts";
import { buildReport } from "../../src/report/report.ts";
import { VERSION } from "../../src/version.ts";

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

test("textfile: per-run values are gauges; a failed run keeps the last success; no temporary file left", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ks-metrics-"));
  const file = join(dir, "kube-sweeper.prom");
  assert.deepEqual(await publishMetrics(report("2026-11-21T10:00:00Z", ["done", "done"]), 0, { file }), []);
  let text = readFileSync(file, "utf8");
  assert.equal(value(text, 'kube_sweeper_last_run_actions{policy="p",action="delete",status="done"}'), "2");
  assert.equal(value(text, "kube_sweeper_last_success_timestamp_seconds "), String(Date.parse("2026-11-21T10:00:00Z") / 1000));
  assert.equal(value(text, "kube_sweeper_run_duration_seconds "), "2");
  assert.equal(value(text, 'kube_sweeper_evaluated_objects{kind="pods"}'), "10");
  // A counter restarting from zero every run reads as a reset to increase(): none here.
  const types = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1], m[2]]);
  assert.ok(types.length >= 7);
  assert.deepEqual(types.filter(([, type]) => type !== "gauge"), []);
  assert.ok(types.every(([name]) => !name!.endsWith("_total")), "no gauge named like a counter");

  await publishMetrics(report("2026-11-21T11:00:00Z", ["failed"]), 1, { file });
  text = readFileSync(file, "utf8");
  assert.equal(value(text, "kube_sweeper_last_exit_code "), "1");
  assert.equal(value(text, "kube_sweeper_last_success_timestamp_seconds "), String(Date.parse("2026-11-21T10:00:00Z") / 1000));
  assert.equal(value(text, 'kube_sweeper_last_run_actions{policy="p",action="delete",status="failed"}'), "1");
  assert.equal(value(text, 'kube_sweeper_last_run_actions{policy="p",action="delete",status="done"}'), undefined, "the last run's values only");
  assert.deepEqual(readdirSync(dir), ["kube-sweeper.prom"]);
});

test("textfile: build info, a sub-second duration, and a dry run that exits 0 does not set the last success", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ks-metrics-"));
  const file = join(dir, "kube-sweeper.prom");
  await publishMetrics(report("2026-11-21T10:00:00Z", ["done"]), 0, { file, startedAt: Date.now() - 1234 });
  let text = readFileSync(file, "utf8");
  const duration = Number(value(text, "kube_sweeper_run_duration_seconds "));
  assert.ok(duration >= 1.234 && duration < 5 && !Number.isInteger(duration), `duration ${duration}`);
  assert.equal(value(text, `kube_sweeper_build_info{version="${VERSION}",node_version="${process.versions.node}"}`), "1");

  const dry = { ...report("2026-11-21T12:00:00Z", []), mode: "dry-run" as const };
  await publishMetrics(dry, 0, { file });
  text = readFileSync(file, "utf8");
  assert.equal(value(text, "kube_sweeper_last_success_timestamp_seconds "), String(Date.parse("2026-11-21T10:00:00Z") / 1000));
  assert.equal(value(text, "kube_sweeper_last_run_timestamp_seconds "), String(Date.parse("2026-11-21T12:00:00Z") / 1000));
});

test("textfile: an unwritable path is reported, not thrown", async () => {
  const problems = await publishMetrics(report("2026-11-21T10:00:00Z", []), 0, { file: "/nonexistent-dir/x.prom" });
  assert.equal(problems.length, 1);
  assert.match(problems[0]!, /^metrics file \/nonexistent-dir\/x\.prom: /);
});

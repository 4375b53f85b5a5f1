// The JSON report is written in pieces (a 20,000-action report is several MB): the pieces joined
// must be byte for byte what JSON.stringify of the whole report gives, compact and indented, and
// no piece may be the whole report.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { jsonChunks } from "../../src/report/json-stream.ts";
import { printReport, renderJson } from "../../src/report/print.ts";
import { buildReport } from "../../src/report/report.ts";
import type { Action, Skipped } from "../../src/plan/types.ts";
import type { GlobalOptions, Io } from "../../src/commands/context.ts";

const served = { group: "apps", version: "v1", resource: "deployments", namespaced: true };

/** A report as a large plan gives it: pods, namespaces, namespaced and cluster-scoped resource targets, skipped ones. */
function largeReport(n: number) {
  const actions: Action[] = Array.from({ length: n }, (_, i) => ({
    policy: `policy-${i % 3}`,
    action: i % 4 === 0 ? "delete" : i % 4 === 1 ? "deleteNamespace" : "deleteResource",
    target:
      i % 4 === 0
        ? { kind: "Pod", namespace: `ns-${i % 100}`, name: `worker-${i}`, uid: `uid-${i}` }
        : i % 4 === 1
          ? { kind: "Namespace", namespace: `preview-${i}`, name: `preview-${i}`, uid: `uid-${i}` }
          : { kind: i % 4 === 2 ? "Deployment" : "ClusterRole", namespace: i % 4 === 2 ? `ns-${i % 100}` : "", name: `obj-"${i}"\n\u2028é`, uid: `uid-${i}`, resource: i % 4 === 2 ? served : { group: "rbac.authorization.k8s.io", version: "v1", resource: "clusterroles", namespaced: false } },
    reasons: [`age ${i}s >= 1s`, "ConfigMap referenced by no pod or pod template in ns"],
    ...(i % 7 === 0 ? { gracePeriodSeconds: 0 } : {}),
    status: i % 5 === 0 ? "done" : "planned",
    detail: i % 9 === 0 ? "a detail with \"quotes\" and \\ backslashes" : "",
    at: i % 5 === 0 ? "2026-11-28T10:00:00Z" : null,
  }));
  const skipped: Skipped[] = Array.from({ length: n / 10 }, (_, i) => ({ policy: "p", target: { kind: "ConfigMap", namespace: `ns-${i}`, name: `cm-${i}`, resource: { group: "", version: "v1", resource: "configmaps", namespaced: true } }, reason: "limit: maxActions 50 (50 planned)" }));
  return buildReport({ mode: "plan", startedAt: 0, finishedAt: 1000, source: { server: "https://x", version: "v1.20.2" }, evaluated: { pods: n, namespaces: 3, resources: n }, actions, skipped, abortReason: undefined });
}

function printed(report: ReturnType<typeof largeReport>, tty: boolean): string[] {
  const pieces: string[] = [];
  const io: Io = { stdout: (t) => pieces.push(t), stderr: () => {}, env: {}, stdoutIsTTY: tty, stderrIsTTY: tty };
  printReport(report, { output: "json" } as GlobalOptions, io);
  return pieces;
}

for (const tty of [false, true]) {
  test(`-o json ${tty ? "on a terminal (indented)" : "without a terminal (one line)"}: a 20,000-action report is written in pieces of at most 128 KB, which joined are byte for byte the report built whole`, () => {
    const report = largeReport(20_000);
    const whole = renderJson(report, { stdoutIsTTY: tty } as Io);
    const pieces = printed(report, tty);
    assert.ok(whole.length > 4_000_000, `the report is large (${whole.length} characters)`);
    assert.equal(pieces.join(""), whole);
    const largest = Math.max(...pieces.map((p) => p.length));
    assert.ok(largest <= 128 * 1024, `largest piece ${largest} characters`);
  });
}

test("an empty plan's report is the same whole or in pieces (empty arrays and objects, absent keys left out)", () => {
  const report = buildReport({ mode: "plan", startedAt: 0, finishedAt: 0, source: { server: "s", version: "" }, evaluated: { pods: 0, namespaces: 0 }, actions: [], skipped: [] });
  for (const tty of [false, true]) assert.equal(printed(report, tty).join(""), renderJson(report, { stdoutIsTTY: tty } as Io));
});

test("jsonChunks is JSON.stringify for any JSON value, at any indentation and walking depth (undefined values and functions left out as JSON leaves them out)", () => {
  const value = fc.letrec((tie) => ({
    any: fc.oneof({ depthSize: "small" }, fc.constant(undefined), fc.constant(null), fc.boolean(), fc.double(), fc.integer(), fc.string({ unit: "grapheme" }), fc.array(tie("any"), { maxLength: 5 }), fc.dictionary(fc.string(), tie("any"), { maxKeys: 5 }), fc.constant(() => 1), fc.date({ noInvalidDate: true })),
  })).any;
  fc.assert(
    fc.property(value, fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 4 }), (v, indent, depth) => {
      const expected = JSON.stringify(v, null, indent) ?? "null";
      assert.equal([...jsonChunks(v, indent, depth)].join(""), expected);
    }),
    { numRuns: 2000 },
  );
});

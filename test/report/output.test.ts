// Every -o format, read back the way its consumer reads it: tables by their header columns (as
// awk or a person would), YAML and JSON parsed, names line by line, Markdown as GFM rows.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { runCli } from "../helpers/cli.ts";
import { printReport } from "../../src/report/print.ts";
import { renderMarkdown, renderRows } from "../../src/report/table.ts";
import { buildReport, type SweepReport } from "../../src/report/report.ts";
import type { GlobalOptions, Io } from "../../src/commands/context.ts";

const root = new URL("../../", import.meta.url).pathname;
const demo = ["plan", "--snapshot", join(root, "examples/cluster-snapshot.json"), "-c", join(root, "examples/kube-sweeper.yaml"), "--now", "2026-11-21T10:00:00Z"];

async function demoAs(format: string): Promise<string> {
  const result = await runCli([...demo, "-o", format]);
  assert.equal(result.code, 0, result.stderr);
  return result.stdout;
}

const jsonReport = async () => JSON.parse(await demoAs("json")) as SweepReport;
const name = (t: { kind: string; namespace?: string; name: string }) => (t.kind === "Namespace" ? `namespace/${t.name}` : `pod/${t.namespace}/${t.name}`);

/** Reads a kubectl-style table: the header's words give each column's start offset. */
function readTable(lines: string[]): Record<string, string>[] {
  const header = lines[0]!;
  const starts = [...header.matchAll(/\S+(?: \S+)*/g)].map((m) => ({ title: m[0], at: m.index }));
  return lines.slice(1).map((line) => Object.fromEntries(starts.map((s, i) => [s.title, line.slice(s.at, starts[i + 1]?.at).trim()])));
}

/** The section of a table output that starts with this header word. */
function section(text: string, firstHeader: string): string[] {
  const lines = text.split("\n");
  const start = lines.findIndex((l) => l.startsWith(firstHeader));
  assert.ok(start >= 0, `no table headed ${firstHeader} in\n${text}`);
  const end = lines.findIndex((l, i) => i > start && l === "");
  return lines.slice(start, end < 0 ? undefined : end);
}

test("-o table: kubectl layout (upper-case headers, aligned columns, no box drawing, one row per action) holding the JSON report's values", async () => {
  const [table, report] = [await demoAs("table"), await jsonReport()];
  assert.doesNotMatch(table, /[│┌┐└┘├┤┬┴┼─]/, "box drawing");
  assert.ok(table.split("\n").every((l) => l === l.trimEnd()), "no trailing spaces");
  assert.match(table.split("\n")[0]!, /^PLAN: nothing is changed/);
  const actions = section(table, "STATUS");
  assert.match(actions[0]!, /^STATUS {3,}POLICY {3,}ACTION {3,}TARGET {3,}DETAIL$/);
  const rows = readTable(actions);
  assert.equal(rows.length, report.actions.length);
  rows.forEach((row, i) => {
    const a = report.actions[i]!;
    assert.deepEqual(row, { STATUS: a.status, POLICY: a.policy, ACTION: a.action, TARGET: name(a.target), DETAIL: a.detail || "<none>" });
  });
  const skipped = readTable(section(table, "SKIPPED"));
  assert.deepEqual(skipped, report.skipped.map((s) => ({ SKIPPED: name(s.target), POLICY: s.policy, REASON: s.reason })));
  assert.match(table.trimEnd().split("\n").at(-1)!, /^evaluated 12 pods in 4 namespaces; planned 4,/);
});

test("-o wide: the table plus a REASONS column with every reason", async () => {
  const [wide, report] = [await demoAs("wide"), await jsonReport()];
  const actions = section(wide, "STATUS");
  assert.match(actions[0]!, /^STATUS +POLICY +ACTION +TARGET +DETAIL +REASONS$/);
  assert.deepEqual(readTable(actions).map((r) => r.REASONS), report.actions.map((a) => a.reasons.join("; ")));
  assert.doesNotMatch(section(await demoAs("table"), "STATUS")[0]!, /REASONS/);
});

test("-o json without a terminal is one line (a log collector keeps it whole); -o yaml is the same report", async () => {
  const json = await demoAs("json");
  assert.equal(json.split("\n").length, 2, "one line and its newline");
  const fromYaml = parseYaml(await demoAs("yaml")) as SweepReport;
  const report = JSON.parse(json) as SweepReport;
  for (const r of [report, fromYaml]) (r as Partial<SweepReport>).startedAt = (r as Partial<SweepReport>).finishedAt = "";
  assert.deepEqual(fromYaml, report);
});

test("-o json on a terminal is indented for a person", () => {
  let out = "";
  const io: Io = { stdout: (t) => (out += t), stderr: () => {}, env: {}, stdoutIsTTY: true, stderrIsTTY: true };
  const report = buildReport({ mode: "plan", startedAt: 0, finishedAt: 0, source: { server: "s", version: "" }, evaluated: { pods: 0, namespaces: 0 }, actions: [], skipped: [] });
  printReport(report, { output: "json" } as GlobalOptions, io);
  assert.ok(out.split("\n").length > 10);
  assert.deepEqual(JSON.parse(out), report);
});

test("-o name: kind/namespace/name per action, as kubectl -o name with the namespace", async () => {
  const [names, report] = [await demoAs("name"), await jsonReport()];
  assert.deepEqual(names.trimEnd().split("\n"), report.actions.map((a) => name(a.target)));
  assert.match(names, /^pod\/apps\/worker-7c9d-abcde$/m);
});

test("-o markdown: a GFM table per section with every action; | and newlines in a cell stay inside it", async () => {
  const [md, report] = [await demoAs("markdown"), await jsonReport()];
  assert.match(md, /^### kube-sweeper plan$/m);
  const rows = md.split("\n").filter((l) => l.startsWith("| planned"));
  assert.equal(rows.length, report.actions.length);
  assert.equal(rows[0]!.split(" | ").length, 6);

  const tricky = buildReport({
    mode: "sweep", startedAt: 0, finishedAt: 0, source: { server: "s", version: "" }, evaluated: { pods: 1, namespaces: 1 }, skipped: [],
    actions: [{ policy: "p", action: "delete", target: { kind: "Pod", namespace: "a", name: "b", uid: "u" }, reasons: ["r"], status: "failed", detail: "a|b\nc <x>", at: null }],
  });
  const row = renderMarkdown(tricky).split("\n").find((l) => l.startsWith("| failed"))!;
  assert.equal(row, "| failed | p | delete | pod/a/b | a\\|b<br>c &lt;x> | r |");
});

test("table cells: a newline or tab never breaks a row; an empty cell reads <none>; characters (not UTF-16 units) are counted, as kubectl's tabwriter counts runes", () => {
  const out = renderRows(["a", "b", "c"], [["x\ny", "", "z"], ["🙂x", "1", "2"]]);
  const lines = out.trimEnd().split("\n");
  assert.equal(lines.length, 3);
  assert.deepEqual(lines, ["A     B        C", "x y   <none>   z", "🙂x    1        2"]);
});

test("explain, validate and restore answer every -o format too (yaml, name)", async () => {
  const explain = await runCli(["explain", "pod/apps/worker-7c9d-abcde", ...demo.slice(1), "-o", "yaml"]);
  assert.equal(explain.code, 0, explain.stderr);
  assert.equal((parseYaml(explain.stdout) as { target: { name: string } }).target.name, "worker-7c9d-abcde");
  const explainName = await runCli(["explain", "apps/worker-7c9d-abcde", ...demo.slice(1), "-o", "name"]);
  assert.equal(explainName.stdout, "pod/apps/worker-7c9d-abcde\n");
  const validate = await runCli(["validate", "-c", join(root, "examples/kube-sweeper.yaml"), "-o", "name"]);
  assert.equal(validate.code, 0, validate.stderr);
  assert.match(validate.stdout, /^policy\/crash-looping$/m);
  const bad = await runCli([...demo, "-o", "xml"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^kube-sweeper: .*xml.*table, wide, json, yaml, name, markdown/);
  assert.equal(bad.stderr.trim().split("\n").length, 1);
});

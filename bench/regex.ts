// Benchmark: user patterns that backtrack catastrophically in JavaScript's RegExp, run by the
// linear-time engine on near-miss names of the maximum length (253), in process; then the
// engine's cost at start-up (a plan over an empty snapshot with and without a pattern) and a plan
// over 1,000 such pods. Needs no control plane: `npm run bench -- regex` runs it alone.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { compilePattern } from "../src/core/safe-regex.ts";
import { CLI } from "../test/helpers/cli.ts";
import { markdownTable, measure, median, type Sample } from "./harness.ts";

const PATTERNS = ["^([a-z0-9-][a-z0-9-]?)*-worker$", "^(\\w\\w?)*x$", `^${"[a-z0-9-]*".repeat(5)}\\.$`];
const NAME_LENGTH = 253;
/** Near misses: every character fits the repeated part, the end does not. */
const nearMiss = (length: number, i: number) => ["a", "a-", "0"][i % 3]!.repeat(length).slice(0, length - 1) + "-";
const MATCHES = 30_000;
// Long enough to show the growth, short enough to finish: JavaScript's RegExp on these names.
const BACKTRACKING_LENGTHS = [24, 32];

function perMatchMicros(test: (text: string) => boolean, names: string[], rounds: number): number {
  const runs: number[] = [];
  for (let r = 0; r < 5; r++) {
    const started = performance.now();
    for (let i = 0; i < rounds; i++) test(names[i % names.length]!);
    runs.push(((performance.now() - started) * 1000) / rounds);
  }
  return median(runs);
}

function engineTable(): string {
  const names = Array.from({ length: 300 }, (_, i) => nearMiss(NAME_LENGTH, i));
  const loadStarted = performance.now();
  compilePattern("x");
  const loadMs = performance.now() - loadStarted;
  const rows = PATTERNS.map((source) => {
    const compileStarted = performance.now();
    const pattern = compilePattern(source);
    const compileMs = performance.now() - compileStarted;
    const linear = perMatchMicros((t) => pattern.test(t), names, MATCHES);
    const native = new RegExp(source);
    const backtracking = BACKTRACKING_LENGTHS.map((length) => {
      const started = performance.now();
      native.test(nearMiss(length, 0));
      return `${(performance.now() - started).toFixed(1)} ms`;
    });
    return [`\`${source}\``, `${compileMs.toFixed(1)} ms`, `${linear.toFixed(2)} µs`, ...backtracking];
  });
  return [
    `Patterns on near-miss names of ${NAME_LENGTH} characters, linear-time engine (median of 5 × ${MATCHES.toLocaleString("en")} matches)`,
    `(loading the engine in process: ${loadMs.toFixed(1)} ms)`,
    markdownTable(["pattern", "compile", `per ${NAME_LENGTH}-char name`, ...BACKTRACKING_LENGTHS.map((l) => `JavaScript RegExp, one ${l}-char name`)], rows),
  ].join("\n");
}

async function cliTable(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "ks-bench-regex-"));
  const write = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const policy = (name: string, pattern?: string) => `  - {name: ${name}, target: pods, ${pattern ? `match: {name: '${pattern}'}, ` : ""}when: {exitCodes: {in: [1]}}, action: delete}\n`;
  const plain = write("plain.yaml", `policies:\n${policy("plain")}`);
  const patterned = write("patterned.yaml", `policies:\n${PATTERNS.map((p, i) => policy(`worst-${i}`, p)).join("")}`);
  const empty = write("empty.json", JSON.stringify({ kind: "List", items: [] }));
  const pods = Array.from({ length: 1000 }, (_, i) => ({
    kind: "Pod",
    metadata: { name: nearMiss(NAME_LENGTH - 4, i) + String(i).padStart(4, "0"), namespace: "apps", uid: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`, creationTimestamp: "2026-11-21T09:00:00Z", ownerReferences: [{ kind: "ReplicaSet", name: "rs", controller: true }] },
    spec: { nodeName: "node-1", containers: [{ name: "main" }] },
    status: { phase: "Running", containerStatuses: [{ name: "main", restartCount: 0, state: { terminated: { exitCode: 1, reason: "Error" } } }] },
  }));
  const full = write("pods.json", JSON.stringify({ kind: "List", items: pods }));
  const plan = (config: string, snapshot: string) => async () => {
    const sample = await measure(process.execPath, [CLI, "plan", "-o", "json", "-c", config, "--snapshot", snapshot, "--now", "2026-11-21T10:00:00Z"]);
    if (sample.code !== 0) throw new Error(`plan failed (${sample.code}): ${sample.stderr.slice(0, 300)}`);
    return sample;
  };
  // Interleaved, so a busy machine weighs on every row alike; medians of the runs.
  const runs = 11;
  const cases: [string, () => Promise<Sample>][] = [
    ["plan, empty snapshot, no pattern (engine not loaded)", plan(plain, empty)],
    ["plan, empty snapshot, the 3 patterns (engine loaded)", plan(patterned, empty)],
    ["plan, 1,000 near-miss pods, the 3 patterns", plan(patterned, full)],
  ];
  const samples: Sample[][] = cases.map(() => []);
  for (let r = 0; r < runs; r++) for (const [i, [, run]] of cases.entries()) samples[i]!.push(await run());
  const rows = cases.map(([label], i) => [label, { wallMs: median(samples[i]!.map((s) => s.wallMs)), peakRssMb: median(samples[i]!.map((s) => s.peakRssMb)) }] as const);
  const cost = rows[1]![1].wallMs - rows[0]![1].wallMs;
  return [
    `The CLI with and without patterns (snapshot input, median of ${runs} interleaved runs)`,
    markdownTable(["", "wall", "peak RSS"], rows.map(([label, r]) => [label, `${r.wallMs.toFixed(0)} ms`, `${r.peakRssMb.toFixed(0)} MB`])),
    `loading the engine and compiling 3 patterns: ${cost.toFixed(0)} ms at start-up, paid only when the config has a pattern`,
  ].join("\n");
}

export async function regexBenchmark(): Promise<string> {
  return [engineTable(), await cliTable()].join("\n\n");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(await regexBenchmark());

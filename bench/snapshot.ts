// Memory of `plan --snapshot` over a large dump: a kubectl-style List of pods, nodes and
// namespaces written to a temp file (about 500 MB of JSON, and the same objects as kubectl's
// YAML), planned with the benchmark's pod policies; peak RSS of the whole process. Needs no
// cluster: `node bench/snapshot.ts` runs it alone (KS_BENCH_SNAPSHOT_MB sets the JSON size).
import { createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "node:events";
import { stringify } from "yaml";
import { CLI } from "../test/helpers/cli.ts";
import { buildNamespace, buildNode, buildPod, hours, iso, T0, terminated, waiting } from "../test/fixtures/builders.ts";
import { markdownTable, measure } from "./harness.ts";

const TARGET_MB = Number(process.env.KS_BENCH_SNAPSHOT_MB ?? 500);
const POLICIES = `
settings: {waitBetweenActions: 0s}
policies:
  - {name: crash-looping, target: pods, when: {restarts: {atLeast: 5}, reasons: [CrashLoopBackOff]}, action: delete}
  - {name: failed, target: pods, when: {phases: [Failed]}, action: delete}
  - {name: exited-1, target: pods, when: {exitCodes: {in: [1]}}, action: delete}
  - {name: bad-nodes, target: pods, when: {nodeUnhealthyFor: 10m}, action: delete}
`;
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

/** A pod of about 4.4 KB of JSON, like the API benchmark's; one in 16 matches a policy. */
function pod(i: number) {
  const odd = i % 16 === 0;
  return buildPod(
    { name: `worker-${i}`, namespace: `ns-${i % 100}`, node: `node-${i % 50}`, restarts: odd ? 7 : 0, ...(odd ? { state: waiting("CrashLoopBackOff"), lastState: terminated(1) } : {}), age: hours(3) },
    (p) => {
      p.metadata!.annotations = { "example.com/config": "x".repeat(2600), "kubectl.kubernetes.io/restartedAt": iso(T0 - hours(4)) };
      p.spec!.containers![0]!.env = Array.from({ length: 12 }, (_, k) => ({ name: `SETTING_${k}`, value: `value-${k}-${i}` }));
    },
  );
}

/** Writes the dump as kubectl does (one List, items then kind); returns its size in MB. */
async function writeDump(path: string, format: "json" | "yaml", targetMb: number): Promise<{ mb: number; pods: number }> {
  const out = createWriteStream(path);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, "drain");
  };
  const others = [...Array.from({ length: 50 }, (_, i) => buildNode(`node-${i}`, i === 0 ? "False" : "True")), ...Array.from({ length: 100 }, (_, i) => buildNamespace(`ns-${i}`))];
  let bytes = 0;
  let pods = 0;
  const item = async (object: unknown, first: boolean) => {
    const text = format === "json" ? `${first ? "" : ","}\n${JSON.stringify(object, null, 4)}` : stringify([object], { indentSeq: false, lineWidth: 0 });
    bytes += text.length;
    await write(text);
  };
  await write(format === "json" ? '{\n"apiVersion": "v1",\n"items": [' : "apiVersion: v1\nitems:\n");
  for (const [i, o] of others.entries()) await item(o, i === 0);
  while (bytes < targetMb * 1e6) await item(pod(pods++), false);
  await write(format === "json" ? '\n],\n"kind": "List",\n"metadata": {"resourceVersion": ""}\n}\n' : 'kind: List\nmetadata:\n  resourceVersion: ""\n');
  out.end();
  await once(out, "finish");
  return { mb: statSync(path).size / 1e6, pods };
}

export async function snapshotBenchmark(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "ks-bench-snapshot-"));
  const config = join(dir, "config.yaml");
  await (async () => {
    const out = createWriteStream(config);
    out.end(POLICIES);
    await once(out, "finish");
  })();
  const rows: (string | number)[][] = [];
  try {
    for (const [format, mb] of [["json", TARGET_MB], ["yaml", Math.round(TARGET_MB / 5)]] as const) {
      const path = join(dir, `snapshot.${format}`);
      log(`writing a ${mb} MB ${format} snapshot`);
      const dump = await writeDump(path, format, mb);
      log(`plan --snapshot (${dump.pods} pods)`);
      const sample = await measure(process.execPath, [CLI, "plan", "-o", "json", "-c", config, "--snapshot", path, "--now", iso(T0)]);
      if (sample.code !== 0) throw new Error(`plan over the ${format} snapshot exited ${sample.code}: ${sample.stderr.slice(0, 500)}`);
      const report = JSON.parse(sample.stdout) as { summary: { evaluated: { pods: number }; planned: number } };
      rows.push([format, `${Math.round(dump.mb)} MB`, report.summary.evaluated.pods, report.summary.planned, `${(sample.wallMs / 1000).toFixed(1)} s`, `${Math.round(sample.peakRssMb)} MB`]);
      rmSync(path);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return `kube-sweeper plan --snapshot, one run each (the file streamed: peak RSS does not follow its size)\n${markdownTable(["format", "file", "pods evaluated", "planned", "wall", "peak RSS"], rows)}`;
}

if (import.meta.main) console.log(await snapshotBenchmark());

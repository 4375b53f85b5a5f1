// Benchmark against the real API server of the real-cluster tier: start-up, `plan` over 10,000 and
// 50,000 pods next to a raw paged list with @kubernetes/client-node and `kubectl get pods -A -o
// json`, and a sweep deleting 2,000 pods. Request counts come from the API server's own
// apiserver_request_total counters (other clients, the controllers, add a little to "all reads").
import https from "node:https";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { Kube, e2eEnv } from "../test/e2e/harness.ts";
import { CLI } from "../test/helpers/cli.ts";
import { markdownTable, measure, median, repeated, type Sample } from "./harness.ts";
import { populate } from "./populate.ts";
import { distanceBenchmark } from "./distance.ts";

export const RUNS = Number(process.env.KS_BENCH_RUNS ?? 3);
const SWEEP_CONCURRENCY = 32;
const dir = mkdtempSync(join(tmpdir(), "ks-bench-pods-"));
export const env = e2eEnv();
const state = process.env.KS_E2E_STATE!;
const node = process.execPath;
export const kubeEnv = { ...process.env, KUBECONFIG: env.kubeconfigs.admin };
export const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

export const POLICIES = `
settings: {waitBetweenActions: 0s}
policies:
  - {name: crash-looping, target: pods, when: {restarts: {atLeast: 5}, reasons: [CrashLoopBackOff]}, action: delete}
  - {name: failed, target: pods, when: {phases: [Failed]}, action: delete}
  - {name: oom-killed, target: pods, when: {reasons: [OOMKilled]}, action: evict}
  - {name: exited-1, target: pods, when: {exitCodes: {in: [1]}}, action: delete}
  - {name: unready, target: pods, when: {unreadyFor: 30m}, action: delete}
`;

export function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** Sum of apiserver_request_total over the series a filter picks. */
async function requestCounter(filter: (labels: string) => boolean): Promise<number> {
  const text = await new Promise<string>((resolve, reject) => {
    https
      .get(`${env.server}/metrics`, { headers: { Authorization: `Bearer ${process.env.KS_ADMIN_TOKEN}` }, ca: readFileSync(`${state}/ca.crt`) }, (res) => {
        let body = "";
        res.on("data", (d: Buffer) => (body += d.toString()));
        res.on("end", () => resolve(body));
      })
      .on("error", reject);
  });
  let sum = 0;
  for (const line of text.split("\n")) {
    const match = /^apiserver_request_total\{(.*)\} (\d+(?:\.\d+)?(?:e\+\d+)?)$/.exec(line);
    if (match && filter(match[1]!)) sum += Number(match[2]);
  }
  return sum;
}
const podLists = (labels: string) => labels.includes('resource="pods"') && labels.includes('verb="LIST"') && labels.includes('subresource=""');
const reads = (labels: string) => /verb="(GET|LIST)"/.test(labels);

export interface Row {
  tool: string;
  wallMs: number;
  peakRssMb: number;
  podLists: number;
  reads: number;
}

export async function compare(tool: string, runs: number, run: () => Promise<Sample>, check: (sample: Sample) => void): Promise<Row> {
  let lists = 0;
  let allReads = 0;
  const result = await repeated(runs, async () => {
    const [l0, r0] = [await requestCounter(podLists), await requestCounter(reads)];
    const sample = await run();
    check(sample);
    lists = (await requestCounter(podLists)) - l0;
    allReads = (await requestCounter(reads)) - r0 - 2; // the two counter reads of this run
    return sample;
  });
  log(`${tool}: ${(result.wallMs / 1000).toFixed(2)} s, ${result.peakRssMb.toFixed(0)} MB`);
  return { tool, wallMs: result.wallMs, peakRssMb: result.peakRssMb, podLists: lists, reads: allReads };
}

export interface Baselines {
  script: string;
  bundled: string;
  /** node:https + JSON.parse, page after page (bench/baseline-plain.ts). */
  plain: string;
}

export async function baselines(): Promise<Baselines> {
  const script = new URL("./baseline-list.ts", import.meta.url).pathname;
  const bundled = join(dir, "baseline-list.mjs");
  await build({
    entryPoints: [script],
    outfile: bundled,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node22",
    banner: { js: "import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);" },
    logLevel: "warning",
  });
  return { script, bundled, plain: new URL("./baseline-plain.ts", import.meta.url).pathname };
}

export function expectPods(count: number) {
  return (sample: Sample) => {
    if (sample.code !== 0 || Number(sample.stdout.trim()) !== count) throw new Error(`baseline listed ${sample.stdout.trim()} pods, expected ${count}: ${sample.stderr}`);
  };
}

export function expectPlan(pods: number) {
  return (sample: Sample) => {
    const report = JSON.parse(sample.stdout) as { summary: { evaluated: { pods: number } }; actions: unknown[] };
    if (sample.code !== 0 || report.summary.evaluated.pods < pods || report.actions.length === 0) throw new Error(`plan evaluated ${report.summary.evaluated.pods} pods (${report.actions.length} actions), expected ${pods}: ${sample.stderr}`);
  };
}

export async function podCount(kube: Kube): Promise<number> {
  const page = await kube.get<{ items: unknown[]; metadata: { remainingItemCount?: number } }>("/api/v1/pods?limit=1");
  return page.items.length + (page.metadata.remainingItemCount ?? 0);
}

async function podsAt(count: number, withKubectl: boolean, kube: Kube, base: Baselines): Promise<Row[]> {
  const before = await podCount(kube);
  if (before > count) throw new Error(`the cluster already holds ${before} pods, more than the ${count} to measure: start from a fresh control plane (KS_E2E_STATE=.bench bash test/e2e/cluster/down.sh)`);
  await populate({ kube, namespaces: 100, pods: count, log });
  const total = await podCount(kube);
  const config = file("policies.yaml", POLICIES);
  const rows = [
    await compare("kube-sweeper plan (5 policies)", RUNS, () => measure(node, [CLI, "plan", "-o", "json", "-c", config, "--qps", "0"], kubeEnv), expectPlan(total)),
    await compare("plain Node paged list (https + JSON.parse)", RUNS, () => measure(node, [base.plain], kubeEnv), expectPods(total)),
    await compare("client-node paged list, bundled", RUNS, () => measure(node, [base.bundled], kubeEnv), expectPods(total)),
    await compare("client-node paged list, as a script", RUNS, () => measure(node, [base.script], kubeEnv), expectPods(total)),
  ];
  if (withKubectl) {
    rows.push(await compare("kubectl get pods -A -o json", RUNS, () => measure(env.kubectl, ["get", "pods", "-A", "-o", "json", "--kubeconfig", env.kubeconfigs.admin], kubeEnv), (s) => {
      if (s.code !== 0) throw new Error(`kubectl failed: ${s.stderr}`);
    }));
  }
  return rows;
}

function table(count: number, rows: Row[]): string {
  const plan = rows[0]!;
  const plain = rows[1]!;
  const list = rows[2]!;
  const kubectl = rows.find((r) => r.tool.startsWith("kubectl"));
  const fmt = (r: Row) => [r.tool, `${(r.wallMs / 1000).toFixed(2)} s`, `${(r.wallMs / plan.wallMs).toFixed(2)}×`, `${r.peakRssMb.toFixed(0)} MB`, r.podLists, r.reads];
  const lines = [
    `${count.toLocaleString("en")} pods in 100 namespaces, median of ${RUNS} runs`,
    markdownTable(["", "wall", "vs plan", "peak RSS", "pod LISTs", "all reads"], rows.map(fmt)),
    `plan / plain paged list: ${(plan.wallMs / plain.wallMs).toFixed(2)} (target <= 1.2); plan / bundled paged list: ${(plan.wallMs / list.wallMs).toFixed(2)} (target <= 1.5)` + (kubectl ? `; plan / kubectl: ${(plan.wallMs / kubectl.wallMs).toFixed(2)} (target <= 0.33)` : ""),
  ];
  return lines.join("\n");
}

async function startup(): Promise<string> {
  const version = await repeated(10, () => measure(node, [CLI, "--version"]));
  // No pods to read in this namespace: the whole path (kubeconfig, client, a real request) and nothing else.
  const empty = await repeated(5, () => measure(node, [CLI, "plan", "-o", "json", "-c", file("empty.yaml", POLICIES), "-n", "bench-empty"], kubeEnv));
  return [
    "Start-up, median of 10 and 5 runs",
    markdownTable(
      ["", "wall", "peak RSS", "target"],
      [
        ["kube-sweeper --version", `${version.wallMs.toFixed(0)} ms`, `${version.peakRssMb.toFixed(0)} MB`, "< 150 ms"],
        ["kube-sweeper plan, nothing to read", `${empty.wallMs.toFixed(0)} ms`, `${empty.peakRssMb.toFixed(0)} MB`, "< 400 ms"],
      ],
    ),
  ].join("\n");
}

async function sweep(kube: Kube): Promise<string> {
  const PODS = 2000;
  await populate({ kube, namespaces: 1, pods: PODS, prefix: "bench-sweep", shape: () => "failed", log });
  const config = file("sweep.yaml", `settings: {waitBetweenActions: 0s, lock: {enabled: true}}\npolicies:\n  - {name: failed, target: pods, match: {namespaces: [bench-sweep-000]}, when: {phases: [Failed]}, action: delete}\n`);
  // The API server's responsiveness meanwhile: a namespace read every 200 ms.
  const latencies: number[] = [];
  let probing = true;
  const probe = (async () => {
    while (probing) {
      const start = performance.now();
      await kube.get("/api/v1/namespaces/default");
      latencies.push(performance.now() - start);
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  const sample = await measure(node, [CLI, "sweep", "-o", "json", "-c", config, "--concurrency", String(SWEEP_CONCURRENCY), "--qps", "0", "--log-level", "warn"], kubeEnv);
  probing = false;
  await probe;
  const report = JSON.parse(sample.stdout) as { summary: { done: number }; actions: { at: string | null }[] };
  if (sample.code !== 0 || report.summary.done !== PODS) throw new Error(`sweep deleted ${report.summary.done} of ${PODS} pods (exit ${sample.code}): ${sample.stderr.slice(0, 500)}`);
  const at = report.actions.map((a) => Date.parse(a.at!)).sort((a, b) => a - b);
  const actingMs = at.at(-1)! - at[0]!;
  const left = (await kube.get<{ items: unknown[] }>("/api/v1/namespaces/bench-sweep-000/pods")).items.length;
  return [
    `sweep deleting ${PODS} pods (waitBetweenActions 0, --concurrency ${SWEEP_CONCURRENCY}, --qps 0; each deletion also writes its Event)`,
    markdownTable(
      ["wall (whole run)", "deletions per second (first to last)", "pods left", "API read latency meanwhile (median / max)", "peak RSS"],
      [[`${(sample.wallMs / 1000).toFixed(2)} s`, ((PODS - 1) / (actingMs / 1000)).toFixed(0), left, `${median(latencies).toFixed(0)} / ${Math.max(...latencies).toFixed(0)} ms`, `${sample.peakRssMb.toFixed(0)} MB`]],
    ),
  ].join("\n");
}

export async function podsBenchmark(): Promise<string> {
  const kube = new Kube(env);
  try {
    if (!(await kube.exists("/api/v1/namespaces/bench-empty"))) await kube.create("/api/v1/namespaces", { metadata: { name: "bench-empty" } });
    const sections = [await startup()];
    const base = await baselines();
    const at10k = await podsAt(10_000, true, kube, base);
    sections.push(table(10_000, at10k));
    sections.push(await distanceBenchmark(kube, base));
    const at50k = await podsAt(50_000, false, kube, base);
    sections.push(table(50_000, at50k));
    const growth = at50k[0]!.wallMs / at10k[0]!.wallMs;
    sections.push(`plan wall 50k / 10k: ${growth.toFixed(2)} (linear is 5; target within 10%: 4.5 to 5.5)`);
    sections.push(await sweep(kube));
    return sections.join("\n\n");
  } finally {
    kube.close();
  }
}

if (import.meta.main) console.log(await podsBenchmark());

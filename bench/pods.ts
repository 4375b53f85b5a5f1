// Benchmark against the real API server of the real-cluster tier: start-up (next to a bare
// `node -e 0`), `plan` over 10,000 and 50,000 pods next to a plain-Node paged list, a raw paged
// list with @kubernetes/client-node and `kubectl get pods -A -o json` (directly and 50 ms away),
// and sweeps deleting 2,000 pods, directly and 50 ms away. Request counts come from the API server's own
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
import { ONE_WAY_MS, distanceBenchmark } from "./distance.ts";
import { startDelayProxy } from "./delay-proxy.ts";

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

/** "met" or "NOT met", for every target the bench prints. */
export const verdict = (met: boolean) => (met ? "met" : "NOT met");

const BIN = new URL("../bin/kube-sweeper.mjs", import.meta.url).pathname;
const STARTUP_RUNS = Number(process.env.KS_BENCH_STARTUP_RUNS ?? 15);

async function startup(): Promise<string> {
  // Interleaved, so a bare Node, --version and the empty plan see the same machine; through bin/,
  // as a user (and the image) starts it.
  const config = file("empty.yaml", POLICIES);
  const cases: [string, string[], NodeJS.ProcessEnv][] = [
    ["node -e 0 (bare Node, this machine's floor)", ["-e", "0"], process.env],
    ["kube-sweeper --version", [BIN, "--version"], process.env],
    // No pods to read in this namespace: the whole path (config, kubeconfig, one real request) and nothing else.
    ["kube-sweeper plan, nothing to read", [BIN, "plan", "-o", "json", "-c", config, "-n", "bench-empty"], kubeEnv],
  ];
  const samples: Sample[][] = cases.map(() => []);
  for (let i = 0; i < STARTUP_RUNS; i++) {
    for (const [c, [, args, env]] of cases.entries()) {
      const sample = await measure(node, args, env);
      if (sample.code !== 0) throw new Error(`${args.join(" ")} exited ${sample.code}: ${sample.stderr.slice(0, 300)}`);
      samples[c]!.push(sample);
    }
  }
  const [bare, version, empty] = samples.map((runs) => ({ wallMs: median(runs.map((r) => r.wallMs)), cpuMs: median(runs.map((r) => r.cpuMs)), peakRssMb: median(runs.map((r) => r.peakRssMb)) }));
  const ratio = (r: { wallMs: number }) => r.wallMs / bare!.wallMs;
  const targets = ["", "<= 1.5x", "<= 5x"];
  return [
    `Start-up, median of ${STARTUP_RUNS} interleaved runs (CPU: user + system, 10 ms steps)`,
    markdownTable(
      ["", "wall", "vs node -e 0", "target", "CPU", "peak RSS"],
      [bare!, version!, empty!].map((r, i) => [cases[i]![0], `${r.wallMs.toFixed(0)} ms`, `${ratio(r).toFixed(2)}x`, targets[i] ? `${targets[i]}: ${verdict(ratio(r) <= (i === 1 ? 1.5 : 5))}` : "", `${r.cpuMs.toFixed(0)} ms`, `${r.peakRssMb.toFixed(0)} MB`]),
    ),
  ].join("\n");
}

/** $KUBECONFIG for the admin, pointed at a proxy in front of the API server. */
export function distantKubeEnv(proxyUrl: string, name = "admin-far.kubeconfig"): NodeJS.ProcessEnv {
  const admin = readFileSync(env.kubeconfigs.admin, "utf8");
  if (!admin.includes(env.server)) throw new Error(`the admin kubeconfig does not name ${env.server}`);
  return { ...kubeEnv, KUBECONFIG: file(name, admin.replace(env.server, proxyUrl)) };
}

const SWEEP_NAMESPACE = "bench-sweep-000";
const SWEEP_PODS = 2000;
/** At a distance with one worker each deletion costs a few round trips: 200 pods keep the run short. */
const SWEEP_PODS_ONE_WORKER_FAR = 200;

interface SweepRun {
  where: "direct" | "50 ms away";
  pods: number;
  concurrency: number;
  wallMs: number;
  perSecond: number;
  left: number;
  latency: string;
  peakRssMb: number;
}

/** Recreates `pods` failed pods in one namespace, then sweeps them all at `concurrency`. */
async function sweepOnce(kube: Kube, where: SweepRun["where"], pods: number, concurrency: number, runEnv: NodeJS.ProcessEnv): Promise<SweepRun> {
  await populate({ kube, namespaces: 1, pods, prefix: "bench-sweep", shape: () => "failed", log });
  const there = (await kube.pods(SWEEP_NAMESPACE)).length;
  if (there !== pods) throw new Error(`${SWEEP_NAMESPACE} holds ${there} pods before the sweep, expected ${pods}`);
  const config = file("sweep.yaml", `settings: {waitBetweenActions: 0s, lock: {enabled: true}}\npolicies:\n  - {name: failed, target: pods, match: {namespaces: [${SWEEP_NAMESPACE}]}, when: {phases: [Failed]}, action: delete}\n`);
  // The API server's responsiveness meanwhile (read directly): a namespace read every 200 ms.
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
  const sample = await measure(node, [CLI, "sweep", "-o", "json", "-c", config, "--concurrency", String(concurrency), "--qps", "0", "--log-level", "warn"], runEnv);
  probing = false;
  await probe;
  const report = JSON.parse(sample.stdout) as { summary: { done: number }; actions: { at: string | null }[] };
  if (sample.code !== 0 || report.summary.done !== pods) throw new Error(`sweep deleted ${report.summary.done} of ${pods} pods (exit ${sample.code}): ${sample.stderr.slice(0, 500)}`);
  const at = report.actions.map((a) => Date.parse(a.at!)).sort((a, b) => a - b);
  const actingMs = at.at(-1)! - at[0]!;
  const left = (await kube.pods(SWEEP_NAMESPACE)).length;
  log(`sweep ${where}, ${pods} pods, --concurrency ${concurrency}: ${(sample.wallMs / 1000).toFixed(2)} s, ${((pods - 1) / (actingMs / 1000)).toFixed(0)} deletions/s, ${sample.peakRssMb.toFixed(0)} MB`);
  return { where, pods, concurrency, wallMs: sample.wallMs, perSecond: (pods - 1) / (actingMs / 1000), left, latency: `${median(latencies).toFixed(0)} / ${Math.max(...latencies).toFixed(0)} ms`, peakRssMb: sample.peakRssMb };
}

async function sweep(kube: Kube): Promise<string> {
  const runs = [await sweepOnce(kube, "direct", SWEEP_PODS, SWEEP_CONCURRENCY, kubeEnv)];
  const proxy = await startDelayProxy(env.server, ONE_WAY_MS);
  try {
    const far = distantKubeEnv(proxy.url, "admin-sweep-far.kubeconfig");
    for (const concurrency of [1, 8, 32]) runs.push(await sweepOnce(kube, "50 ms away", concurrency === 1 ? SWEEP_PODS_ONE_WORKER_FAR : SWEEP_PODS, concurrency, far));
  } finally {
    await proxy.close();
  }
  const local = runs[0]!;
  const peak = Math.max(...runs.map((r) => r.peakRssMb));
  return [
    `sweep deleting failed pods in one namespace (waitBetweenActions 0, --qps 0; each deletion also writes its Event; pods recreated before each run; ${SWEEP_PODS_ONE_WORKER_FAR} pods at --concurrency 1 at a distance, where each deletion costs several round trips)`,
    markdownTable(
      ["API server", "pods", "--concurrency", "wall (whole run)", "deletions per second (first to last)", "pods left", "API read latency meanwhile (median / max)", "peak RSS"],
      runs.map((r) => [r.where, r.pods, r.concurrency, `${(r.wallMs / 1000).toFixed(2)} s`, r.perSecond.toFixed(0), r.left, r.latency, `${r.peakRssMb.toFixed(0)} MB`]),
    ),
    `direct, --concurrency ${SWEEP_CONCURRENCY}: ${local.perSecond.toFixed(0)} deletions/s (target >= 200: ${verdict(local.perSecond >= 200)}), peak RSS ${local.peakRssMb.toFixed(0)} MB (target <= 150 MB: ${verdict(local.peakRssMb <= 150)}); ` +
      `highest peak RSS of all sweeps: ${peak.toFixed(0)} MB (${verdict(peak <= 150)})`,
  ].join("\n");
}

/** The plan and the plain paged list through the delay proxy, at whatever the cluster holds now. */
async function distantReaders(count: number, base: Baselines): Promise<{ plan: Row; plain: Row }> {
  const proxy = await startDelayProxy(env.server, ONE_WAY_MS);
  try {
    const far = distantKubeEnv(proxy.url);
    const config = file("policies.yaml", POLICIES);
    return {
      plan: await compare(`plan, ${count} pods, 50 ms away`, RUNS, () => measure(node, [CLI, "plan", "-o", "json", "-c", config, "--qps", "0"], far), expectPlan(count)),
      plain: await compare(`plain list, ${count} pods, 50 ms away`, RUNS, () => measure(node, [base.plain], far), expectPods(count)),
    };
  } finally {
    await proxy.close();
  }
}

/** 10,000 -> 50,000 pods: linear within 10% (4.5 to 5.5) and peak RSS <= 150 MB, direct and 50 ms away. */
function scaling(near10k: Row[], near50k: Row[], far10k: { plan: Row; plain: Row }, far50k: { plan: Row; plain: Row }): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const line = (label: string, a: Row, b: Row, isPlan: boolean) => {
    const growth = b.wallMs / a.wallMs;
    return [
      label,
      s(a.wallMs),
      s(b.wallMs),
      growth.toFixed(2) + (isPlan ? ` (${verdict(growth >= 4.5 && growth <= 5.5)})` : ""),
      `${a.peakRssMb.toFixed(0)} / ${b.peakRssMb.toFixed(0)} MB` + (isPlan ? ` (${verdict(Math.max(a.peakRssMb, b.peakRssMb) <= 150)})` : ""),
    ];
  };
  return [
    `10,000 -> 50,000 pods, median of ${RUNS} runs (targets for the plan: wall 50k / 10k within 10% of 5, i.e. 4.5 to 5.5; peak RSS <= 150 MB; the plain paged list for comparison)`,
    markdownTable(
      ["", "wall, 10k", "wall, 50k", "50k / 10k", "peak RSS 10k / 50k"],
      [
        line("kube-sweeper plan, direct", near10k[0]!, near50k[0]!, true),
        line("kube-sweeper plan, 50 ms away", far10k.plan, far50k.plan, true),
        line("plain Node paged list, direct", near10k[1]!, near50k[1]!, false),
        line("plain Node paged list, 50 ms away", far10k.plain, far50k.plain, false),
      ],
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
    const far10k = await distantReaders(10_000, base);
    const at50k = await podsAt(50_000, false, kube, base);
    sections.push(table(50_000, at50k));
    sections.push(scaling(at10k, at50k, far10k, await distantReaders(50_000, base)));
    sections.push(await sweep(kube));
    return sections.join("\n\n");
  } finally {
    kube.close();
  }
}

/** `npm run bench -- startup` or `-- sweep`: one section alone, on the bench's control plane. */
async function section(name: string): Promise<string> {
  const kube = new Kube(env);
  try {
    if (name === "sweep") return await sweep(kube);
    if (!(await kube.exists("/api/v1/namespaces/bench-empty"))) await kube.create("/api/v1/namespaces", { metadata: { name: "bench-empty" } });
    return await startup();
  } finally {
    kube.close();
  }
}

if (import.meta.main) console.log(process.argv[2] ? await section(process.argv[2]) : await podsBenchmark());

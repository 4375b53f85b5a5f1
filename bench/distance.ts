// The same 10,000 pods read directly and through a loopback proxy holding every byte 25 ms each
// way (a 50 ms round trip, a cluster in another region or behind a VPN): the plan, the plain-Node
// sequential paged list, the client library's paged list and kubectl. Direct and distant runs of
// each reader alternate, so both see the same machine. `npm run bench -- distance` runs this alone.
import { Kube } from "../test/e2e/harness.ts";
import { CLI } from "../test/helpers/cli.ts";
import { markdownTable, measure, median, type Sample } from "./harness.ts";
import { startDelayProxy } from "./delay-proxy.ts";
import { costBetween, costMeter, formatBytes, formatCpu, type ServerCost } from "./apiserver-cost.ts";
import { populate } from "./populate.ts";
import { protobufBenchmark } from "./protobuf.ts";
import { POLICIES, RUNS, baselines, compare, distantKubeEnv, env, expectPlan, expectPods, file, kubeEnv, podCount, type Baselines, type Row } from "./pods.ts";

export const ONE_WAY_MS = 25;
/** Runs of the plan and the plain list, alternating, for the API server CPU target (a function: pods.ts and this file import each other). */
const serverCpuRuns = () => Math.max(5, RUNS);
const node = process.execPath;

export async function distanceBenchmark(kube: Kube, base: Baselines, count = 10_000): Promise<string> {
  const total = await podCount(kube);
  if (total < count) throw new Error(`the cluster holds ${total} pods, fewer than the ${count} to measure`);
  const proxy = await startDelayProxy(env.server, ONE_WAY_MS);
  try {
    const far = distantKubeEnv(proxy.url);
    const config = file("policies.yaml", POLICIES);
    // The API server's own cost of each run, kept per reader and distance (median of the runs).
    const meter = costMeter(process.env.KS_E2E_STATE!, env.server, process.env.KS_ADMIN_TOKEN!);
    const costs = new Map<string, ServerCost[]>();
    const metered = (key: string, run: () => Promise<Sample>) => async () => {
      const before = await meter.start();
      const sample = await run();
      const list = costs.get(key) ?? [];
      list.push(costBetween(before, await meter.stop()));
      costs.set(key, list);
      return sample;
    };
    const costOf = (key: string, field: keyof ServerCost) => median((costs.get(key) ?? []).map((c) => c[field]));
    const readers: [string, (e: NodeJS.ProcessEnv, key: string) => Promise<Row>][] = [
      ["kube-sweeper plan (5 policies)", (e, key) => compare("plan", RUNS, metered(key, () => measure(node, [CLI, "plan", "-o", "json", "-c", config, "--qps", "0"], e)), expectPlan(total))],
      ["plain Node paged list (https + JSON.parse)", (e, key) => compare("plain list", RUNS, metered(key, () => measure(node, [base.plain], e)), expectPods(total))],
      ["client-node paged list, bundled", (e, key) => compare("client-node list", RUNS, metered(key, () => measure(node, [base.bundled], e)), expectPods(total))],
      [
        "kubectl get pods -A -o json",
        (e, key) =>
          compare("kubectl", RUNS, metered(key, () => measure(env.kubectl, ["get", "pods", "-A", "-o", "json", "--kubeconfig", e.KUBECONFIG!], e)), (s) => {
            if (s.code !== 0) throw new Error(`kubectl failed: ${s.stderr}`);
          }),
      ],
    ];
    const rows: { tool: string; near: Row; far: Row }[] = [];
    for (const [tool, run] of readers) rows.push({ tool, near: await run(kubeEnv, `${tool} near`), far: await run(far, `${tool} far`) });
    const [plan, plain, , kubectl] = rows as [(typeof rows)[0], (typeof rows)[0], unknown, (typeof rows)[0]];
    const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    const both = (tool: string, field: keyof ServerCost, format: (n: number) => string) => `${format(costOf(`${tool} near`, field))} / ${format(costOf(`${tool} far`, field))}`;
    const met = (ok: boolean) => (ok ? "met" : "NOT met");
    const ratio = (value: number, target: number) => `${value.toFixed(2)} (target <= ${target}: ${met(value <= target)})`;
    // The target's comparison on its own: plan and plain list alternating, direct, so that both see
    // the same load (the table's runs of one reader come one after the other).
    for (let i = 0; i < serverCpuRuns(); i++) {
      expectPlan(total)(await metered("plan cpu", () => measure(node, [CLI, "plan", "-o", "json", "-c", config, "--qps", "0"], kubeEnv))());
      expectPods(total)(await metered("plain cpu", () => measure(node, [base.plain], kubeEnv))());
    }
    const planCpu = costs.get("plan cpu")!.map((c) => c.apiserverCpuS);
    const plainCpu = costs.get("plain cpu")!.map((c) => c.apiserverCpuS);
    const list = (values: number[]) => values.map((v) => v.toFixed(2)).join(", ");
    return [
      `${total.toLocaleString("en")} pods, directly and at a ${2 * ONE_WAY_MS} ms round trip (loopback proxy, ${ONE_WAY_MS} ms each way), median of ${RUNS} runs`,
      markdownTable(
        ["", "wall, direct", "wall, 50 ms away", "added by distance", "peak RSS (direct / away)", "pod LISTs", "API server CPU (direct / away)", "etcd CPU (direct / away)", "pod LIST bytes sent (direct / away)"],
        rows.map((r) => [
          r.tool,
          s(r.near.wallMs),
          s(r.far.wallMs),
          s(r.far.wallMs - r.near.wallMs),
          `${r.near.peakRssMb.toFixed(0)} / ${r.far.peakRssMb.toFixed(0)} MB`,
          r.far.podLists,
          both(r.tool, "apiserverCpuS", formatCpu),
          both(r.tool, "etcdCpuS", formatCpu),
          both(r.tool, "podListBytes", formatBytes),
        ]),
      ),
      `50 ms away: plan / plain paged list ${ratio(plan.far.wallMs / plain.far.wallMs, 0.6)}, plan / kubectl ${ratio(plan.far.wallMs / kubectl.far.wallMs, 0.25)}; ` +
        `direct: plan / plain paged list ${ratio(plan.near.wallMs / plain.near.wallMs, 1.2)}`,
      `API server CPU per plan <= that of the sequential JSON paged list (direct, ${serverCpuRuns()} runs of each alternating, median): plan ${formatCpu(median(planCpu))} (${list(planCpu)}), plain list ${formatCpu(median(plainCpu))} (${list(plainCpu)}): ${met(median(planCpu) <= median(plainCpu))}`,
      "",
      await protobufBenchmark(),
    ].join("\n");
  } finally {
    await proxy.close();
  }
}

if (import.meta.main) {
  const kube = new Kube(env);
  try {
    await populate({ kube, namespaces: 100, pods: 10_000, log: (line) => process.stderr.write(`[bench] ${line}\n`) });
    console.log(await distanceBenchmark(kube, await baselines()));
  } finally {
    kube.close();
  }
}

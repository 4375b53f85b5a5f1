// The API server's own CPU per run of the plan with pages of 2,000 (the default) and of 500, and
// of the plain sequential list (pages of 500), alternating, directly: what each page size costs
// the server. `npm run bench -- server-cpu` runs it alone (10,000 pods, or what a kept cluster holds).
import { Kube } from "../test/e2e/harness.ts";
import { CLI } from "../test/helpers/cli.ts";
import { measure, median } from "./harness.ts";
import { costBetween, costMeter, formatBytes, formatCpu } from "./apiserver-cost.ts";
import { populate } from "./populate.ts";
import { POLICIES, baselines, env, expectPlan, expectPods, file, kubeEnv, podCount } from "./pods.ts";

const RUNS = Number(process.env.KS_BENCH_RUNS ?? 7);

export async function serverCpuBenchmark(): Promise<string> {
  const kube = new Kube(env);
  let total: number;
  try {
    await populate({ kube, namespaces: 100, pods: 10_000, log: (line) => process.stderr.write(`[bench] ${line}\n`) });
    total = await podCount(kube);
  } finally {
    kube.close();
  }
  const base = await baselines();
  const config = file("policies.yaml", POLICIES);
  const meter = costMeter(process.env.KS_E2E_STATE!, env.server, process.env.KS_ADMIN_TOKEN!);
  const plan = [CLI, "plan", "-o", "json", "-c", config, "--qps", "0"];
  const readers: [string, string[], (pods: number) => (s: Awaited<ReturnType<typeof measure>>) => void][] = [
    ["kube-sweeper plan, pages of 2,000 (the default)", plan, expectPlan],
    ["kube-sweeper plan, --chunk-size 500", [...plan, "--chunk-size", "500"], expectPlan],
    ["plain Node paged list, pages of 500", [base.plain], expectPods],
  ];
  const cpu = readers.map(() => [] as number[]);
  const bytes = readers.map(() => [] as number[]);
  for (let run = 0; run < RUNS; run++) {
    for (const [i, [, args, expect]] of readers.entries()) {
      const before = await meter.start();
      expect(total)(await measure(process.execPath, args, kubeEnv));
      const cost = costBetween(before, await meter.stop());
      cpu[i]!.push(cost.apiserverCpuS);
      bytes[i]!.push(cost.podListBytes);
    }
  }
  return [
    `API server CPU per run, ${total.toLocaleString("en")} pods, the readers alternating, ${RUNS} runs each (median, then every run)`,
    ...readers.map(([name], i) => `${name}: ${formatCpu(median(cpu[i]!))} (${cpu[i]!.map((v) => v.toFixed(2)).join(", ")}); pod LIST bytes ${formatBytes(median(bytes[i]!))}`),
  ].join("\n");
}

if (import.meta.main) console.log(await serverCpuBenchmark());

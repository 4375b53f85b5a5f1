// The same 10,000 pods read directly and through a loopback proxy holding every byte 25 ms each
// way (a 50 ms round trip, a cluster in another region or behind a VPN): the plan, the plain-Node
// sequential paged list, the client library's paged list and kubectl. Direct and distant runs of
// each reader alternate, so both see the same machine. `npm run bench -- distance` runs this alone.
import { readFileSync } from "node:fs";
import { Kube } from "../test/e2e/harness.ts";
import { CLI } from "../test/helpers/cli.ts";
import { markdownTable, measure } from "./harness.ts";
import { startDelayProxy } from "./delay-proxy.ts";
import { populate } from "./populate.ts";
import { POLICIES, RUNS, baselines, compare, env, expectPlan, expectPods, file, kubeEnv, podCount, type Baselines, type Row } from "./pods.ts";

export const ONE_WAY_MS = 25;
const node = process.execPath;

export async function distanceBenchmark(kube: Kube, base: Baselines, count = 10_000): Promise<string> {
  const total = await podCount(kube);
  if (total < count) throw new Error(`the cluster holds ${total} pods, fewer than the ${count} to measure`);
  const proxy = await startDelayProxy(env.server, ONE_WAY_MS);
  try {
    const admin = readFileSync(env.kubeconfigs.admin, "utf8");
    if (!admin.includes(env.server)) throw new Error(`the admin kubeconfig does not name ${env.server}`);
    const far = { ...kubeEnv, KUBECONFIG: file("admin-far.kubeconfig", admin.replace(env.server, proxy.url)) };
    const config = file("policies.yaml", POLICIES);
    const readers: [string, (e: NodeJS.ProcessEnv) => Promise<Row>][] = [
      ["kube-sweeper plan (5 policies)", (e) => compare("plan", RUNS, () => measure(node, [CLI, "plan", "-o", "json", "-c", config, "--qps", "0"], e), expectPlan(total))],
      ["plain Node paged list (https + JSON.parse)", (e) => compare("plain list", RUNS, () => measure(node, [base.plain], e), expectPods(total))],
      ["client-node paged list, bundled", (e) => compare("client-node list", RUNS, () => measure(node, [base.bundled], e), expectPods(total))],
      [
        "kubectl get pods -A -o json",
        (e) =>
          compare("kubectl", RUNS, () => measure(env.kubectl, ["get", "pods", "-A", "-o", "json", "--kubeconfig", e.KUBECONFIG!], e), (s) => {
            if (s.code !== 0) throw new Error(`kubectl failed: ${s.stderr}`);
          }),
      ],
    ];
    const rows: { tool: string; near: Row; far: Row }[] = [];
    for (const [tool, run] of readers) rows.push({ tool, near: await run(kubeEnv), far: await run(far) });
    const [plan, plain, , kubectl] = rows as [(typeof rows)[0], (typeof rows)[0], unknown, (typeof rows)[0]];
    const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    return [
      `${total.toLocaleString("en")} pods, directly and at a ${2 * ONE_WAY_MS} ms round trip (loopback proxy, ${ONE_WAY_MS} ms each way), median of ${RUNS} runs`,
      markdownTable(
        ["", "wall, direct", "wall, 50 ms away", "added by distance", "peak RSS (direct / away)", "pod LISTs"],
        rows.map((r) => [r.tool, s(r.near.wallMs), s(r.far.wallMs), s(r.far.wallMs - r.near.wallMs), `${r.near.peakRssMb.toFixed(0)} / ${r.far.peakRssMb.toFixed(0)} MB`, r.far.podLists]),
      ),
      `50 ms away: plan / plain paged list ${(plan.far.wallMs / plain.far.wallMs).toFixed(2)} (target <= 0.6), plan / kubectl ${(plan.far.wallMs / kubectl.far.wallMs).toFixed(2)} (target <= 0.25); ` +
        `direct: plan / plain paged list ${(plan.near.wallMs / plain.near.wallMs).toFixed(2)} (target <= 1.2)`,
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

// Benchmark of target: resources against the real API server: 20,000 ConfigMaps and 2,000
// PersistentVolumeClaims in 100 namespaces, some referenced by pods and Deployments' templates,
// some with a janitor/ttl, planned with `unused` + `ttl`. Wall clock and peak RSS of the whole
// process; memory must stay within the 150 MB of pod plans.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kube, e2eEnv, waitFor } from "../test/e2e/harness.ts";
import { CLI } from "../test/helpers/cli.ts";
import { markdownTable, measure, pool, repeated } from "./harness.ts";

const RUNS = Number(process.env.KS_BENCH_RUNS ?? 3);
const NAMESPACES = 100;
const CONFIGMAPS = 20_000;
const PVCS = 2_000;
const env = e2eEnv();
const kubeEnv = { ...process.env, KUBECONFIG: env.kubeconfigs.admin };
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const nsName = (i: number) => `bench-res-${String(i % NAMESPACES).padStart(3, "0")}`;

const POLICIES = `
settings: {waitBetweenActions: 0s}
policies:
  - {name: unused, target: resources, match: {kinds: [configmaps, persistentvolumeclaims], namespaceSelector: "bench=resources"}, when: {unused: true, olderThan: 1s}, action: delete}
  - {name: janitor-ttl, target: resources, match: {kinds: [configmaps, persistentvolumeclaims], namespaceSelector: "bench=resources"}, when: {ttl: forever}, action: delete}
`;

async function populate(kube: Kube): Promise<void> {
  const started = Date.now();
  const names = Array.from({ length: NAMESPACES }, (_, i) => nsName(i));
  await pool(names, 16, async (ns) => {
    if (!(await kube.exists(`/api/v1/namespaces/${ns}`))) await kube.create("/api/v1/namespaces", { metadata: { name: ns, labels: { bench: "resources" } } });
    await waitFor(`service account default in ${ns}`, () => kube.exists(`/api/v1/namespaces/${ns}/serviceaccounts/default`), 120_000);
  });
  const have = async (path: string) => new Set((await kube.get<{ items: { metadata: { namespace: string; name: string } }[] }>(path)).items.map((o) => `${o.metadata.namespace}/${o.metadata.name}`));
  const configmaps = await have("/api/v1/configmaps");
  const claims = await have("/api/v1/persistentvolumeclaims");
  // Every 10th object carries a janitor/ttl of 1s (expired by the time the plan runs).
  const annotations = (i: number) => (i % 10 === 3 ? { "janitor/ttl": "1s" } : undefined);
  const cms = Array.from({ length: CONFIGMAPS }, (_, i) => i).filter((i) => !configmaps.has(`${nsName(i)}/cm-${i}`));
  let done = 0;
  await pool(cms, 48, async (i) => {
    await kube.create(`/api/v1/namespaces/${nsName(i)}/configmaps`, { metadata: { name: `cm-${i}`, labels: { app: `svc-${i % 40}` }, annotations: annotations(i) }, data: { "settings.yaml": `key: value-${i}\n`.repeat(20) } });
    if (++done % 5000 === 0) log(`created ${done} of ${cms.length} ConfigMaps`);
  });
  const pvcs = Array.from({ length: PVCS }, (_, i) => i).filter((i) => !claims.has(`${nsName(i)}/data-${i}`));
  await pool(pvcs, 48, (i) => kube.create(`/api/v1/namespaces/${nsName(i)}/persistentvolumeclaims`, { metadata: { name: `data-${i}`, annotations: annotations(i) }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } }));
  // In each namespace a Deployment (0 replicas) whose template uses 20 ConfigMaps and 5 PVCs: about
  // a tenth of the ConfigMaps and a quarter of the claims are in use.
  await pool(names, 16, async (ns) => {
    if (await kube.exists(`/apis/apps/v1/namespaces/${ns}/deployments/user`)) return;
    const index = Number(ns.slice(-3));
    const cmsHere = Array.from({ length: 20 }, (_, k) => index + k * NAMESPACES);
    const pvcsHere = Array.from({ length: 5 }, (_, k) => index + k * NAMESPACES);
    await kube.create(`/apis/apps/v1/namespaces/${ns}/deployments`, {
      metadata: { name: "user" },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: "user" } },
        template: {
          metadata: { labels: { app: "user" } },
          spec: {
            containers: [{ name: "main", image: "registry.example.com/user:1", envFrom: cmsHere.slice(0, 10).map((i) => ({ configMapRef: { name: `cm-${i}` } })) }],
            volumes: [...cmsHere.slice(10).map((i) => ({ name: `c${i}`, configMap: { name: `cm-${i}` } })), ...pvcsHere.map((i) => ({ name: `d${i}`, persistentVolumeClaim: { claimName: `data-${i}` } }))],
          },
        },
      },
    });
  });
  log(`${CONFIGMAPS} ConfigMaps and ${PVCS} PVCs in ${NAMESPACES} namespaces (${cms.length + pvcs.length} created in ${((Date.now() - started) / 1000).toFixed(0)} s)`);
}

const TARGET_RSS_MB = 150;

// The README's rows: the benchmark's policies, the same objects with a policy that plans nothing,
// `ttl` alone, and the first with maxActions 50 (almost every target then in the skipped list).
const VARIANTS: { label: string; config: string }[] = [
  { label: "kube-sweeper plan (2 resource policies)", config: POLICIES },
  { label: "the same objects, a policy that plans nothing", config: POLICIES.replace(/\n  - \{name: unused[^\n]*/, "").replace("when: {ttl: forever}", "when: {ttl: forever, olderThan: 3650d}") },
  { label: "the same objects, `ttl` alone", config: POLICIES.replace(/\n  - \{name: unused[^\n]*/, "") },
  { label: "the first row with `maxActions: 50`", config: POLICIES.replace("waitBetweenActions: 0s", "waitBetweenActions: 0s, maxActions: 50") },
];

export async function resourcesBenchmark(): Promise<string> {
  const kube = new Kube(env);
  try {
    await populate(kube);
    await new Promise((r) => setTimeout(r, 1_100));
    const dir = mkdtempSync(join(tmpdir(), "ks-bench-res-"));
    const rows: (string | number)[][] = [];
    const verdicts: string[] = [];
    for (const [i, variant] of VARIANTS.entries()) {
      const config = join(dir, `resources-${i}.yaml`);
      writeFileSync(config, variant.config);
      let report = { summary: { planned: 0, skipped: 0, evaluated: { resources: 0 } } } as { summary: { planned: number; skipped: number; evaluated: { resources?: number } } };
      const result = await repeated(RUNS, async () => {
        const sample = await measure(process.execPath, [CLI, "plan", "-o", "json", "-c", config, "--qps", "0"], kubeEnv);
        if (sample.code !== 0) throw new Error(`plan exited ${sample.code}: ${sample.stderr.slice(0, 500)}`);
        report = JSON.parse(sample.stdout) as typeof report;
        return sample;
      });
      const planned = `${report.summary.planned.toLocaleString("en")}${report.summary.skipped > 1000 ? ` (${report.summary.skipped.toLocaleString("en")} skipped)` : ""}`;
      const met = result.peakRssMb <= TARGET_RSS_MB ? "met" : "NOT met";
      rows.push([variant.label, `${(result.wallMs / 1000).toFixed(2)} s`, `${result.peakRssMb.toFixed(0)} MB`, (report.summary.evaluated.resources ?? 0).toLocaleString("en"), planned, `<= ${TARGET_RSS_MB} MB: ${met}`]);
      verdicts.push(`${variant.label}: peak RSS ${result.peakRssMb.toFixed(0)} MB, target <= ${TARGET_RSS_MB} MB: ${met}`);
    }
    return [
      `resources: ${CONFIGMAPS.toLocaleString("en")} ConfigMaps and ${PVCS.toLocaleString("en")} PVCs in ${NAMESPACES} namespaces, unused + ttl, median of ${RUNS} runs`,
      markdownTable(["", "wall", "peak RSS", "objects evaluated", "planned", "target (peak RSS)"], rows),
      ...verdicts,
    ].join("\n");
  } finally {
    kube.close();
  }
}

if (import.meta.main) console.log(await resourcesBenchmark());

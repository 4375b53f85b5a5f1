// Benchmark: `kube-sweeper images` over 500 distinct images (450 present, 50 absent) in a real
// docker-registry, at the default concurrency. A counting front measures how many checks were
// in flight at once and how many requests the registry saw.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startRegistry } from "../test/helpers/registry.ts";
import { CLI } from "../test/helpers/cli.ts";
import { markdownTable, pool, repeated, measure } from "./harness.ts";

const IMAGES = 500;
const ABSENT = 50;
const RUNS = 5;

function countingFront(target: string) {
  let inFlight = 0;
  const stats = { requests: 0, maxInFlight: 0 };
  const server = http.createServer((req, res) => {
    stats.requests++;
    stats.maxInFlight = Math.max(stats.maxInFlight, ++inFlight);
    const upstream = http.request(`http://${target}${req.url}`, { method: req.method, headers: { ...req.headers, host: target } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res).on("finish", () => inFlight--);
    });
    upstream.on("error", () => {
      inFlight--;
      res.writeHead(502).end();
    });
    req.pipe(upstream);
  });
  return new Promise<{ host: string; stats: typeof stats; reset(): void; close(): void }>((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({
        host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
        stats,
        reset: () => Object.assign(stats, { requests: 0, maxInFlight: 0 }),
        close: () => server.close(),
      }),
    ),
  );
}

export async function imagesBenchmark(): Promise<string> {
  const registry = await startRegistry("none");
  const front = await countingFront(registry.host);
  try {
    const names = Array.from({ length: IMAGES }, (_, i) => ({ repository: `bench/app-${Math.floor(i / 10)}`, tag: `v${i % 10}`, present: i >= ABSENT }));
    const pushStarted = Date.now();
    // Tags of one repository share their config blob: pushed one after another, repositories in parallel.
    const byRepository = new Map<string, typeof names>();
    for (const n of names.filter((n) => n.present)) byRepository.set(n.repository, [...(byRepository.get(n.repository) ?? []), n]);
    await pool([...byRepository.values()], 16, async (tags) => {
      for (const n of tags) await registry.push(n.repository, n.tag);
    });
    process.stderr.write(`pushed ${IMAGES - ABSENT} images in ${((Date.now() - pushStarted) / 1000).toFixed(1)} s\n`);

    const dir = mkdtempSync(join(tmpdir(), "ks-bench-images-"));
    const snapshot = join(dir, "workloads.json");
    const items = names.map((n, i) => ({
      kind: "Deployment",
      metadata: { namespace: `team-${i % 20}`, name: `app-${i}` },
      spec: { replicas: 1, template: { spec: { containers: [{ name: "app", image: `${front.host}/${n.repository}:${n.tag}` }] } } },
    }));
    writeFileSync(snapshot, JSON.stringify({ kind: "List", apiVersion: "v1", items }));
    const config = join(dir, "kube-sweeper.yaml");
    writeFileSync(config, `settings: {registries: {plainHttp: ["${front.host}"]}}\npolicies: [{name: pullable, target: images}]\n`);

    const result = await repeated(RUNS, async () => {
      front.reset();
      const sample = await measure(process.execPath, [CLI, "images", "-o", "json", "-c", config, "--snapshot", snapshot]);
      const report = JSON.parse(sample.stdout) as { images: { status: string }[] };
      const absent = report.images.filter((i) => i.status === "absent").length;
      const available = report.images.filter((i) => i.status === "available").length;
      // A benchmark of wrong answers is worthless: every run must find exactly the absent ones.
      if (sample.code !== 0 || report.images.length !== IMAGES || absent !== ABSENT || available !== IMAGES - ABSENT) {
        throw new Error(`images run wrong: exit ${sample.code}, ${report.images.length} images, ${absent} absent, ${available} available\n${sample.stderr}`);
      }
      return sample;
    });
    return [
      `kube-sweeper images: ${IMAGES} distinct images (${ABSENT} absent), default concurrency 16, median of ${RUNS} runs`,
      markdownTable(
        ["wall (median)", "peak RSS (median)", "registry requests (last run)", "most checks in flight"],
        [[`${(result.wallMs / 1000).toFixed(2)} s`, `${result.peakRssMb.toFixed(0)} MB`, front.stats.requests, front.stats.maxInFlight]],
      ),
    ].join("\n");
  } finally {
    front.close();
    await registry.close();
  }
}

if (import.meta.main) console.log(await imagesBenchmark());

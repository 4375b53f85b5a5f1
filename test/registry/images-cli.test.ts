// `kube-sweeper images` end to end: the bundled CLI reads workloads (from a snapshot here; the
// real-cluster tier reads them from a real API server) and checks them against a real registry.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli, writeConfig, hasStackTrace } from "../helpers/cli.ts";
import { startRegistry, type TestRegistry } from "../helpers/registry.ts";

let registry: TestRegistry;
let snapshot: string;
const dir = mkdtempSync(join(tmpdir(), "ks-images-"));

const template = (containers: { name: string; image: string }[], initContainers: { name: string; image: string }[] = []) => ({ spec: { containers, initContainers } });

before(async () => {
  registry = await startRegistry("none");
  await registry.push("team/api", "v1");
  await registry.push("team/init", "v1");
  await registry.pushIndex("team/multi", "v2");
  const r = registry.host;
  const items = [
    { kind: "Deployment", metadata: { namespace: "apps", name: "api" }, spec: { replicas: 2, template: template([{ name: "api", image: `${r}/team/api:v1` }], [{ name: "migrate", image: `${r}/team/init:gone` }]) } },
    { kind: "Deployment", metadata: { namespace: "apps", name: "off" }, spec: { replicas: 0, template: template([{ name: "off", image: `${r}/team/off:v1` }]) } },
    { kind: "StatefulSet", metadata: { namespace: "apps", name: "db" }, spec: { replicas: 1, template: template([{ name: "db", image: `${r}/team/db:v3` }]) } },
    { kind: "DaemonSet", metadata: { namespace: "ops", name: "agent" }, spec: { template: template([{ name: "agent", image: `${r}/team/multi:v2` }]) }, status: { desiredNumberScheduled: 3 } },
    { kind: "CronJob", metadata: { namespace: "ops", name: "report" }, spec: { suspend: false, jobTemplate: { spec: { template: template([{ name: "report", image: `${r}/team/api:v1` }]) } } } },
    { kind: "CronJob", metadata: { namespace: "ops", name: "paused" }, spec: { suspend: true, jobTemplate: { spec: { template: template([{ name: "paused", image: `${r}/team/paused:v1` }]) } } } },
    { kind: "Job", metadata: { namespace: "ops", name: "report-123", ownerReferences: [{ kind: "CronJob", name: "report" }] }, spec: { template: template([{ name: "x", image: `${r}/team/owned:v1` }]) } },
    { kind: "Pod", metadata: { namespace: "apps", name: "bare" }, spec: { containers: [{ name: "bare", image: "Not A Valid Ref" }] }, status: { phase: "Running" } },
    { kind: "Pod", metadata: { namespace: "apps", name: "api-7c9-x", ownerReferences: [{ kind: "ReplicaSet", name: "api-7c9" }] }, spec: { containers: [{ name: "api", image: `${r}/team/pod-owned:v1` }] } },
    { kind: "Deployment", metadata: { namespace: "apps", name: "third-party" }, spec: { replicas: 1, template: template([{ name: "x", image: "quay.example.invalid/vendor/tool:1" }]) } },
  ];
  snapshot = join(dir, "snapshot.json");
  writeFileSync(snapshot, JSON.stringify({ kind: "List", apiVersion: "v1", items }));
});
after(() => registry.close());

const config = () =>
  writeConfig(`
settings:
  registries: {plainHttp: ["${registry.host}"], concurrency: 4, timeout: 5s}
policies:
  - name: pullable
    target: images
    images: {ignore: ["^quay\\\\.example\\\\.invalid/"]}
    action: report
`);

test("images: absent images (init containers included) are found; disabled, owned and ignored ones are not checked; bad references are bad-format", async () => {
  const result = await runCli(["images", "-o", "json", "-c", config(), "--snapshot", snapshot]);
  assert.equal(result.code, 0, result.stderr);
  const report = JSON.parse(result.stdout) as { mode: string; images: { image: string; status: string; detail: string; workloads: { kind: string; namespace: string; name: string; container: string }[] }[] };
  assert.equal(report.mode, "images");
  const r = registry.host;
  assert.deepEqual(
    report.images.map((i) => [i.image, i.status]),
    [
      [`${r}/team/api:v1`, "available"],
      [`${r}/team/db:v3`, "absent"],
      [`${r}/team/init:gone`, "absent"],
      [`${r}/team/multi:v2`, "available"],
      ["Not A Valid Ref", "bad-format"],
    ].sort((a, b) => a[0]!.localeCompare(b[0]!)).map(([image, status]) => [image, status]),
  );
  const api = report.images.find((i) => i.image === `${r}/team/api:v1`)!;
  assert.deepEqual(api.workloads, [
    { kind: "Deployment", namespace: "apps", name: "api", container: "api" },
    { kind: "CronJob", namespace: "ops", name: "report", container: "report" },
  ]);
  assert.deepEqual(report.images.find((i) => i.image.endsWith("init:gone"))!.workloads, [{ kind: "Deployment", namespace: "apps", name: "api", container: "migrate" }]);
});

test("images: --fail-on-findings exits 5 with absent images; the metrics file has the exporter's gauges; checkDisabled adds the disabled workloads", async () => {
  const metrics = join(dir, "images.prom");
  const result = await runCli(["images", "-o", "json", "-c", config(), "--snapshot", snapshot, "--fail-on-findings", "--metrics-file", metrics]);
  assert.equal(result.code, 5, result.stderr);
  const text = readFileSync(metrics, "utf8");
  const r = registry.host;
  assert.match(text, new RegExp(`k8s_image_availability_exporter_absent\\{namespace="apps",container="db",image="${r}/team/db:v3",kind="statefulset",name="db"\\} 1`));
  assert.match(text, new RegExp(`k8s_image_availability_exporter_available\\{namespace="apps",container="db",image="${r}/team/db:v3",kind="statefulset",name="db"\\} 0`));
  assert.match(text, new RegExp(`k8s_image_availability_exporter_available\\{namespace="ops",container="agent",image="${r}/team/multi:v2",kind="daemonset",name="agent"\\} 1`));
  assert.match(text, /k8s_image_availability_exporter_bad_image_format\{namespace="apps",container="bare",image="Not A Valid Ref",kind="pod",name="bare"\} 1/);
  const absentLines = text.split("\n").filter((l) => l.startsWith("k8s_image_availability_exporter_absent{") && l.endsWith(" 1"));
  assert.equal(absentLines.length, 2);

  const all = writeConfig(readFileSync(config(), "utf8").replace("action: report", "checkDisabled: true\n    action: report"));
  const withDisabled = await runCli(["images", "-o", "json", "-c", all, "--snapshot", snapshot]);
  const images = (JSON.parse(withDisabled.stdout) as { images: { image: string; status: string }[] }).images.map((i) => i.image);
  assert.ok(images.includes(`${r}/team/off:v1`) && images.includes(`${r}/team/paused:v1`));
  assert.ok(!images.some((i) => i.includes("owned")));
});

test("images: the table lists image, status and users; bad flags are one-line errors", async () => {
  const table = await runCli(["images", "-o", "table", "-c", config(), "--snapshot", snapshot]);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /IMAGE.*STATUS.*USED BY/);
  assert.match(table.stdout, /5 images: 2 available, 2 absent, 1 bad-format/);
  const bad = await runCli(["images", "--concurrency", "0", "--snapshot", snapshot, "-c", config()]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^kube-sweeper: --concurrency: expected a whole number from 1, got "0"\n$/);
  assert.equal(hasStackTrace(bad.stderr), false);
});

// Image checks on the real-cluster tier: Deployments and CronJobs (batch/v1beta1 on 1.20) in the
// real API server use images in a real registry; one registry needs the credentials of a pull
// secret, read because registryAuth is on. The report and the metrics file list exactly the
// absent images.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freshNamespace, useCluster } from "./harness.ts";
import { runCli, writeConfig } from "../helpers/cli.ts";
import { PASSWORD, startRegistry, USER, type TestRegistry } from "../helpers/registry.ts";

const { env, kube } = useCluster({ before, after });
let open: TestRegistry;
let locked: TestRegistry;
before(async () => {
  open = await startRegistry("none");
  locked = await startRegistry("htpasswd");
  await open.push("shop/web", "v1");
  await locked.push("shop/billing", "v7");
});
after(async () => {
  await open?.close();
  await locked?.close();
});

const podSpec = (image: string, extra: Record<string, unknown> = {}) => ({ containers: [{ name: "main", image }], ...extra });

test("images over a real API server: exactly the absent images are reported, pull-secret credentials are used, disabled workloads are skipped", async () => {
  const ns = await freshNamespace(kube, "images");
  const dockerconfig = Buffer.from(JSON.stringify({ auths: { [`http://${locked.host}`]: { auth: Buffer.from(`${USER}:${PASSWORD}`).toString("base64") } } })).toString("base64");
  await kube.create(`/api/v1/namespaces/${ns}/secrets`, { metadata: { name: "regcred" }, type: "kubernetes.io/dockerconfigjson", data: { ".dockerconfigjson": dockerconfig } });
  const deployment = (name: string, image: string, replicas = 1, extra: Record<string, unknown> = {}) =>
    kube.create(`/apis/apps/v1/namespaces/${ns}/deployments`, { metadata: { name }, spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: podSpec(image, extra) } } });
  const cronjob = (name: string, image: string, suspend = false) =>
    kube.create(`/apis/batch/v1beta1/namespaces/${ns}/cronjobs`, { metadata: { name }, spec: { schedule: "0 3 * * *", suspend, jobTemplate: { spec: { template: { spec: podSpec(image, { restartPolicy: "Never" }) } } } } });
  await deployment("web", `${open.host}/shop/web:v1`);
  await deployment("web-old", `${open.host}/shop/web:v0`);
  await deployment("billing", `${locked.host}/shop/billing:v7`, 1, { imagePullSecrets: [{ name: "regcred" }] });
  await deployment("billing-gone", `${locked.host}/shop/billing:v1`, 1, { imagePullSecrets: [{ name: "regcred" }] });
  await deployment("no-secret", `${locked.host}/shop/billing:v7`);
  await deployment("scaled-to-zero", `${open.host}/shop/never:v1`, 0);
  await cronjob("nightly", `${open.host}/shop/report:v2`);
  await cronjob("paused", `${open.host}/shop/paused:v1`, true);

  const metrics = join(mkdtempSync(join(tmpdir(), "ks-img-")), "images.prom");
  const config = writeConfig(`
settings:
  registries: {plainHttp: ["${open.host}", "${locked.host}"]}
  registryAuth: true
policies:
  - {name: pullable, target: images, match: {namespaces: [${ns}]}, action: report}
`);
  const result = await runCli(["images", "-o", "json", "-c", config, "--kubeconfig", env.kubeconfigs.admin, "--metrics-file", metrics, "--fail-on-findings", "--log-level", "debug"], { timeoutMs: 60_000 });
  assert.equal(result.code, 5, result.stderr);
  // Registry credentials never reach the output, not even at debug level.
  for (const secret of [PASSWORD, Buffer.from(`${USER}:${PASSWORD}`).toString("base64")]) assert.equal((result.stdout + result.stderr).includes(secret), false);
  const report = JSON.parse(result.stdout) as { images: { image: string; status: string; workloads: { kind: string; name: string }[] }[] };
  const statusOf = (name: string) => report.images.filter((i) => i.workloads.some((w) => w.name === name)).map((i) => i.status);
  assert.deepEqual(statusOf("web"), ["available"]);
  assert.deepEqual(statusOf("web-old"), ["absent"]);
  assert.deepEqual(statusOf("billing"), ["available"]);
  assert.deepEqual(statusOf("billing-gone"), ["absent"]);
  // The same image as billing, used where no pull secret is: judged with the credentials that
  // workload would pull with (none), not with billing's secret.
  assert.deepEqual(statusOf("no-secret"), ["auth-failure"]);
  assert.deepEqual(
    report.images.filter((i) => i.image === `${locked.host}/shop/billing:v7`).map((i) => [i.status, i.workloads.map((w) => w.name)]),
    [["auth-failure", ["no-secret"]], ["available", ["billing"]]],
  );
  assert.deepEqual(statusOf("nightly"), ["absent"]);
  assert.deepEqual(statusOf("scaled-to-zero"), []);
  assert.deepEqual(statusOf("paused"), []);
  const absent = readFileSync(metrics, "utf8").split("\n").filter((l) => l.startsWith("k8s_image_availability_exporter_absent{") && l.endsWith(" 1")).map((l) => /name="([^"]+)"/.exec(l)![1]).sort();
  assert.deepEqual(absent, ["billing-gone", "nightly", "web-old"]);

  // Without registryAuth the locked registry's images are auth failures, never absent.
  const noAuth = writeConfig(readFileSync(config, "utf8").replace("registryAuth: true", "registryAuth: false"));
  const anonymous = await runCli(["images", "-o", "json", "-c", noAuth, "--kubeconfig", env.kubeconfigs.admin], { timeoutMs: 60_000 });
  assert.equal(anonymous.code, 0, anonymous.stderr);
  const anon = JSON.parse(anonymous.stdout) as { images: { image: string; status: string }[] };
  assert.deepEqual(anon.images.filter((i) => i.image.startsWith(locked.host)).map((i) => i.status), ["auth-failure", "auth-failure"]);
  assert.match(anonymous.stderr, /never as absent/);
});

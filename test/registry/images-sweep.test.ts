// Image policies inside plan and sweep: the report's images section, the CI gate, and the webhook
// action posting to a real HTTP server, with a real registry and the fake API server.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { writeFileSync } from "node:fs";
import { asList, buildNamespace, buildNode, buildPod } from "../fixtures/builders.ts";
import { runCli, writeConfig } from "../helpers/cli.ts";
import { startRegistry, type TestRegistry } from "../helpers/registry.ts";
import { startFakeApiServer, type FakeApiServer } from "../fake-apiserver/server.ts";
import { signature } from "../../src/execute/webhook.ts";

let registry: TestRegistry;
let api: FakeApiServer;
let hook: { url: string; received: { headers: http.IncomingHttpHeaders; body: string }[]; answer: number; close: () => Promise<void> };

const bare = (name: string, image: string) =>
  buildPod({ name, namespace: "apps", owner: null }, (pod) => {
    pod.spec!.containers = [{ name: "main", image }];
  });

function pods() {
  const r = registry.host;
  return [bare("api", `${r}/team/api:v1`), bare("worker", `${r}/team/worker:gone`), bare("cron", `${r}/team/api:v1`), buildPod({ name: "crash-abc12", namespace: "apps", restarts: 9 })];
}

before(async () => {
  registry = await startRegistry("none");
  await registry.push("team/api", "v1");
  api = await startFakeApiServer({ pods: pods(), nodes: [buildNode("node-1")], namespaces: [buildNamespace("apps")] });
  const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      received.push({ headers: req.headers, body });
      res.writeHead(hook.answer).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  hook = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/images`, received, answer: 200, close: () => new Promise((resolve) => server.close(() => resolve())) };
});
after(async () => {
  registry.close();
  await api.close();
  await hook.close();
});

const config = (action: string) =>
  writeConfig(`
settings:
  waitBetweenActions: 0s
  lock: {enabled: false}
  registries: {plainHttp: ["${registry.host}"], timeout: 5s}
policies:
  - {name: crashing, target: pods, when: {restarts: {atLeast: 5}}, action: delete}
  - name: pullable
    target: images
    match: {kinds: [Pod]}
    action: ${action}
`);

interface Report {
  mode: string;
  actions: { policy: string; target: { name: string } }[];
  images?: { image: string; status: string; workloads: { kind: string; name: string }[] }[];
  notifications?: { policy: string; host: string; images: number; status: string; detail: string }[];
}

test("plan: the images section sits beside the pod actions; --fail-on-findings exits 5 for an absent image even with no actions", async () => {
  const r = registry.host;
  const result = await runCli(["plan", "-o", "json", "-c", config("report"), "--kubeconfig", api.kubeconfig()]);
  assert.equal(result.code, 0, result.stderr);
  const report = JSON.parse(result.stdout) as Report;
  assert.deepEqual(report.actions.map((a) => [a.policy, a.target.name]), [["crashing", "crash-abc12"]]);
  assert.deepEqual(
    report.images!.map((i) => [i.image, i.status, i.workloads.map((w) => w.name)]),
    [
      [`${r}/team/api:v1`, "available", ["api", "cron"]],
      [`${r}/team/worker:gone`, "absent", ["worker"]],
    ],
  );
  assert.equal(report.notifications, undefined, "a report policy sends nothing");

  // Only the image policy: the plan is empty, the absent image still fails the gate.
  const imagesOnly = writeConfig(`
settings: {registries: {plainHttp: ["${r}"]}}
policies: [{name: pullable, target: images, match: {kinds: [Pod]}}]
`);
  const gate = await runCli(["plan", "-o", "table", "-c", imagesOnly, "--kubeconfig", api.kubeconfig(), "--fail-on-findings"]);
  assert.equal(gate.code, 5, gate.stderr);
  assert.match(gate.stdout, /no actions/);
  assert.match(gate.stdout, /team\/worker:gone.*absent/);
  assert.match(gate.stdout, /2 images: 1 available, 1 absent/);
});

test("sweep: an image policy's webhook gets one signed POST listing only the images not available", async () => {
  hook.received.length = 0;
  hook.answer = 200;
  const action = `{webhook: {url: "${hook.url}", secretEnv: IMAGE_HOOK_SECRET, retries: 0, timeout: 5s}}`;

  const plan = JSON.parse((await runCli(["plan", "-o", "json", "-c", config(action), "--kubeconfig", api.kubeconfig()])).stdout) as Report;
  assert.deepEqual(plan.notifications, [{ policy: "pullable", host: new URL(hook.url).host, images: 1, status: "planned", detail: "", at: null }]);

  const dry = await runCli(["sweep", "--dry-run", "-o", "json", "-c", config(action), "--kubeconfig", api.kubeconfig()], { env: { IMAGE_HOOK_SECRET: "s3cret" } });
  assert.equal(dry.code, 0, dry.stderr);
  assert.equal((JSON.parse(dry.stdout) as Report).notifications![0]!.status, "would-do");
  assert.equal(hook.received.length, 0, "a dry run calls no webhook");

  const real = await runCli(["sweep", "-o", "json", "-c", config(action), "--kubeconfig", api.kubeconfig()], { env: { IMAGE_HOOK_SECRET: "s3cret" } });
  assert.equal(real.code, 0, real.stderr);
  const report = JSON.parse(real.stdout) as Report;
  assert.equal(report.notifications![0]!.status, "done");
  assert.equal(hook.received.length, 1);
  const [call] = hook.received;
  assert.equal(call!.headers["x-kube-sweeper-signature"], signature("s3cret", call!.body));
  const body = JSON.parse(call!.body) as { kind: string; policy: string; images: { image: string; status: string; workloads: { name: string }[] }[] };
  assert.equal(body.kind, "ImageWebhook");
  assert.equal(body.policy, "pullable");
  assert.deepEqual(body.images.map((i) => [i.image, i.status, i.workloads.map((w) => w.name)]), [[`${registry.host}/team/worker:gone`, "absent", ["worker"]]]);
  assert.ok(!api.pods.has("apps/crash-abc12"), "the pod policy acted in the same run");
});

test("sweep: a webhook that fails makes the run exit 1; a missing secret is never sent unsigned", async () => {
  hook.received.length = 0;
  hook.answer = 500;
  const action = `{webhook: {url: "${hook.url}", retries: 0, timeout: 5s}}`;
  const failing = await runCli(["sweep", "-o", "json", "-c", config(action), "--kubeconfig", api.kubeconfig()]);
  assert.equal(failing.code, 1, failing.stderr);
  const report = JSON.parse(failing.stdout) as Report;
  assert.equal(report.notifications![0]!.status, "failed");
  assert.match(report.notifications![0]!.detail, /webhook answered 500/);

  hook.received.length = 0;
  const signed = `{webhook: {url: "${hook.url}", secretEnv: UNSET_SECRET, retries: 0}}`;
  const unsigned = await runCli(["sweep", "-o", "json", "-c", config(signed), "--kubeconfig", api.kubeconfig()]);
  assert.equal(unsigned.code, 1);
  assert.match((JSON.parse(unsigned.stdout) as Report).notifications![0]!.detail, /webhook secret env UNSET_SECRET is not set/);
  assert.equal(hook.received.length, 0);
});

test("images over a snapshot: plan reads images from the same file", async () => {
  const file = writeConfig("");
  writeFileSync(file, JSON.stringify(asList(pods())));
  const result = await runCli(["plan", "-o", "json", "-c", config("report"), "--snapshot", file]);
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual((JSON.parse(result.stdout) as Report).images!.map((i) => i.status), ["available", "absent"]);
});

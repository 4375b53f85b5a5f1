// The real-cluster tier for namespace policies: TTL, podsSucceeded, scaleDown and restore,
// webhooks with signatures, once-only bookkeeping and NamespaceManager objects.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { createHmac } from "node:crypto";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { createDeployment, createStatefulSet, freshNamespace, HttpError, runningPods, setPodStatus, terminatedState, useCluster, waitFor } from "./harness.ts";
import { runCli, writeConfig } from "../helpers/cli.ts";
import { parseReport } from "../helpers/report-shape.ts";
import type { Namespace, Pod } from "../../src/core/k8s.ts";

const { env, kube } = useCluster({ before, after });

const cli = (args: string[], extraEnv: Record<string, string> = {}) => runCli([...args, "--kubeconfig", env.kubeconfigs.admin], { timeoutMs: 120_000, env: extraEnv });

async function namespace(name: string): Promise<Namespace | undefined> {
  try {
    return await kube.get<Namespace>(`/api/v1/namespaces/${name}`);
  } catch (error) {
    if (error instanceof HttpError && error.code === 404) return undefined;
    throw error;
  }
}

test("a namespace whose kube-sweeper.io/ttl annotation (1s) has passed is deleted (Terminating or gone); a second run does nothing", async () => {
  const ns = await freshNamespace(kube, "ttl");
  await kube.mergePatch(`/api/v1/namespaces/${ns}`, { metadata: { annotations: { "kube-sweeper.io/ttl": "1s" } } });
  const keep = await freshNamespace(kube, "ttl");
  await new Promise((r) => setTimeout(r, 1500));
  const config = writeConfig(`
settings: {waitBetweenActions: 0}
policies:
  - {name: ttl-expired, target: namespaces, match: {name: "^ttl-"}, when: {ttl: forever}, action: deleteNamespace}
`);
  const sweep = await cli(["sweep", "-o", "json", "-c", config, "-n", ns, "-n", keep]);
  assert.equal(sweep.code, 0, sweep.stderr);
  const report = parseReport(sweep.stdout);
  assert.deepEqual(report.actions.map((a) => [a.target.kind, a.target.name, a.action, a.status]), [["Namespace", ns, "deleteNamespace", "done"]]);
  const after = await namespace(ns);
  assert.ok(after === undefined || after.metadata?.deletionTimestamp, "namespace neither Terminating nor gone");
  assert.equal((await namespace(keep))?.metadata?.deletionTimestamp, undefined);

  const again = await cli(["sweep", "-o", "json", "-c", config, "-n", ns, "-n", keep]);
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(parseReport(again.stdout).actions, []);
});

test("podsSucceeded (the README's preview example): nothing while the e2e Job runs; deleted once its pods Succeeded", async () => {
  const ns = await freshNamespace(kube, "preview");
  await kube.create(`/apis/batch/v1/namespaces/${ns}/jobs`, {
    metadata: { name: "e2e" },
    spec: {
      completions: 2,
      parallelism: 2,
      backoffLimit: 0,
      template: { spec: { restartPolicy: "Never", automountServiceAccountToken: false, containers: [{ name: "main", image: "registry.invalid/e2e:1" }] } },
    },
  });
  const pods = await waitFor("2 running e2e pods", async () => {
    const list = (await kube.pods(ns)).filter((p: Pod) => p.metadata?.labels?.["job-name"] === "e2e" && p.status?.phase === "Running");
    return list.length === 2 ? list : undefined;
  });
  const config = fileURLToPath(new URL("../../examples/preview-namespaces.yaml", import.meta.url));
  // The example waits 1m after creation before judging; look from 90s ahead (the 2h TTL is far).
  const later = () => new Date(Date.now() + 90_000).toISOString();
  const running = await cli(["plan", "-o", "json", "-c", config, "-n", ns, "--now", later()]);
  assert.equal(running.code, 0, running.stderr);
  assert.deepEqual(parseReport(running.stdout).actions, []);

  await setPodStatus(kube, ns, pods[0]!.metadata!.name!, { phase: "Succeeded", ready: false, state: terminatedState(0) });
  const half = parseReport((await cli(["plan", "-o", "json", "-c", config, "-n", ns, "--now", later()])).stdout);
  assert.deepEqual(half.actions, []);
  await setPodStatus(kube, ns, pods[1]!.metadata!.name!, { phase: "Succeeded", ready: false, state: terminatedState(0) });

  // A real sweep takes no pinned clock (--now is for dry runs): wait out the example's 1m delay.
  const created = Date.parse((await namespace(ns))!.metadata!.creationTimestamp!);
  await sleep(Math.max(0, created + 61_000 - Date.now()));
  const sweep = await cli(["sweep", "-o", "json", "-c", config, "-n", ns]);
  assert.equal(sweep.code, 0, sweep.stderr);
  const report = parseReport(sweep.stdout);
  assert.deepEqual(report.actions.map((a) => [a.policy, a.target.name, a.status]), [["preview-e2e-succeeded", ns, "done"]]);
  assert.deepEqual(report.actions[0]!.reasons, ["2 of 2 pods (job-name=e2e) Succeeded"]);
  const gone = await namespace(ns);
  assert.ok(gone === undefined || gone.metadata?.deletionTimestamp);
});

test("scaleDown records the replica counts and scales a Deployment and a StatefulSet to 0 via the scale subresource; restore brings them back", async () => {
  const ns = await freshNamespace(kube, "scale");
  await createDeployment(kube, ns, "api", 3);
  await createStatefulSet(kube, ns, "db", 2);
  await runningPods(kube, ns, "api", 3);
  await runningPods(kube, ns, "db", 2);
  const config = writeConfig(`
settings: {waitBetweenActions: 0}
policies:
  - {name: park, target: namespaces, match: {name: "^scale-"}, when: {ttl: 0s}, action: {scaleDown: {kinds: [Deployment, StatefulSet]}}}
`);
  const dry = await cli(["sweep", "-o", "json", "-c", config, "-n", ns, "--dry-run=server"]);
  assert.equal(dry.code, 0, dry.stderr);
  assert.equal((await kube.get<{ spec: { replicas: number } }>(`/apis/apps/v1/namespaces/${ns}/deployments/api`)).spec.replicas, 3);

  const sweep = await cli(["sweep", "-o", "json", "-c", config, "-n", ns]);
  assert.equal(sweep.code, 0, sweep.stderr);
  const report = parseReport(sweep.stdout);
  assert.equal(report.actions[0]!.status, "done");
  assert.match(report.actions[0]!.detail, /Deployment api 3->0.*StatefulSet db 2->0/);
  const deployment = await kube.get<{ spec: { replicas: number }; metadata: { annotations: Record<string, string> } }>(`/apis/apps/v1/namespaces/${ns}/deployments/api`);
  const statefulset = await kube.get<{ spec: { replicas: number }; metadata: { annotations: Record<string, string> } }>(`/apis/apps/v1/namespaces/${ns}/statefulsets/db`);
  assert.equal(deployment.spec.replicas, 0);
  assert.equal(statefulset.spec.replicas, 0);
  assert.equal(deployment.metadata.annotations["kube-sweeper.io/original-replicas"], "3");
  assert.equal(statefulset.metadata.annotations["kube-sweeper.io/original-replicas"], "2");
  const marked = await namespace(ns);
  assert.match(marked!.metadata!.annotations!["kube-sweeper.io/done.park"]!, /^\d{4}-\d{2}-\d{2}T/);
  assert.deepEqual(parseReport((await cli(["sweep", "-o", "json", "-c", config, "-n", ns])).stdout).actions, [], "a second run scaled again");

  const restoreDry = await cli(["restore", "-o", "json", "-n", ns, "--dry-run"]);
  assert.equal(restoreDry.code, 0, restoreDry.stderr);
  assert.equal((await kube.get<{ spec: { replicas: number } }>(`/apis/apps/v1/namespaces/${ns}/deployments/api`)).spec.replicas, 0);
  const restore = await cli(["restore", "-o", "json", "-n", ns]);
  assert.equal(restore.code, 0, restore.stderr);
  const restored = JSON.parse(restore.stdout) as { workloads: { name: string; replicas: number; status: string }[] };
  assert.deepEqual(restored.workloads.map((w) => [w.name, w.replicas, w.status]).sort(), [["api", 3, "restored"], ["db", 2, "restored"]]);
  const back = await kube.get<{ spec: { replicas: number }; metadata: { annotations?: Record<string, string> } }>(`/apis/apps/v1/namespaces/${ns}/deployments/api`);
  assert.equal(back.spec.replicas, 3);
  assert.equal(back.metadata.annotations?.["kube-sweeper.io/original-replicas"], undefined);
  assert.equal((await kube.get<{ spec: { replicas: number } }>(`/apis/apps/v1/namespaces/${ns}/statefulsets/db`)).spec.replicas, 2);
});

test("webhook: a 500 leaves the namespace unmarked; the next run delivers a signed body and marks it done", async () => {
  const ns = await freshNamespace(kube, "hook");
  const bodies: { signature: string | undefined; body: string }[] = [];
  let status = 500;
  const receiver = http.createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      bodies.push({ signature: req.headers["x-kube-sweeper-signature"] as string | undefined, body });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/done`;
  try {
    const config = writeConfig(`
settings: {waitBetweenActions: 0}
policies:
  - name: notify
    target: namespaces
    match: {name: "^hook-"}
    when: {ttl: 0s}
    action: {webhook: {url: "${url}", secretEnv: HOOK_SECRET, retries: 1, timeout: 2s}}
`);
    const failed = await cli(["sweep", "-o", "json", "-c", config, "-n", ns], { HOOK_SECRET: "e2e-secret" });
    assert.equal(failed.code, 1, failed.stderr);
    assert.equal(parseReport(failed.stdout).actions[0]!.status, "failed");
    assert.equal(bodies.length, 2, "one try and one retry");
    assert.equal((await namespace(ns))?.metadata?.annotations?.["kube-sweeper.io/done.notify"], undefined);
    assert.ok(!failed.stdout.includes("e2e-secret") && !failed.stderr.includes("e2e-secret"));

    status = 200;
    const ok = await cli(["sweep", "-o", "json", "-c", config, "-n", ns], { HOOK_SECRET: "e2e-secret" });
    assert.equal(ok.code, 0, ok.stderr);
    const last = bodies.at(-1)!;
    assert.equal(last.signature, `sha256=${createHmac("sha256", "e2e-secret").update(last.body).digest("hex")}`);
    const payload = JSON.parse(last.body) as { policy: string; namespace: { name: string }; reasons: string[] };
    assert.equal(payload.policy, "notify");
    assert.equal(payload.namespace.name, ns);
    assert.match(payload.reasons[0]!, /ttl 0s/);
    assert.ok((await namespace(ns))?.metadata?.annotations?.["kube-sweeper.io/done.notify"]);
    const again = await cli(["sweep", "-o", "json", "-c", config, "-n", ns], { HOOK_SECRET: "e2e-secret" });
    assert.deepEqual(parseReport(again.stdout).actions, []);
    assert.equal(bodies.filter((b) => b.signature).length, 3, "called again after being marked done");
  } finally {
    receiver.close();
  }
});

test("a NamespaceManager (k8s.consol.de/v1beta1) installed in the server is honoured and deactivated", async () => {
  const crd = "namespacemanagers.k8s.consol.de";
  try {
    await kube.create("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", {
      metadata: { name: crd },
      spec: {
        group: "k8s.consol.de",
        scope: "Namespaced",
        names: { plural: "namespacemanagers", singular: "namespacemanager", kind: "NamespaceManager", shortNames: ["nsman"] },
        versions: [{ name: "v1beta1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } } }],
      },
    });
  } catch (error) {
    if (!(error instanceof HttpError && error.code === 409)) throw error;
  }
  await waitFor("the NamespaceManager resource to be served", async () => (await kube.exists("/apis/k8s.consol.de/v1beta1/namespacemanagers")) || undefined);
  const home = await freshNamespace(kube, "nsman-home");
  const managed = await freshNamespace(kube, "managed");
  await createDeployment(kube, managed, "app", 2);
  await runningPods(kube, managed, "app", 2);
  await kube.create(`/apis/k8s.consol.de/v1beta1/namespaces/${home}/namespacemanagers`, {
    apiVersion: "k8s.consol.de/v1beta1",
    kind: "NamespaceManager",
    metadata: { name: "ejemplo" },
    spec: {
      deactivated: false,
      namespace: managed,
      policies: [{ name: "scale down when TTL elapses", condition: { type: "TTL", params: { ttlSeconds: 1 } }, action: { type: "SCALE_DOWN", params: { selectors: [{ kind: "Deployment", labels: { app: "app" } }] } } }],
    },
  });
  await new Promise((r) => setTimeout(r, 1500));
  // The manager lives in another namespace than the one it manages: allowed from its home only.
  const config = writeConfig(`settings: {waitBetweenActions: 0, namespaceManagers: true, crossNamespaceManagersFrom: [${home}]}\n`);
  const sweep = await cli(["sweep", "-o", "json", "-c", config, "-n", managed]);
  assert.equal(sweep.code, 0, sweep.stderr);
  const report = parseReport(sweep.stdout);
  assert.equal(report.actions.length, 1);
  assert.equal(report.actions[0]!.status, "done");
  assert.match(report.actions[0]!.detail, /NamespaceManager .*ejemplo deactivated/);
  assert.equal((await kube.get<{ spec: { replicas: number } }>(`/apis/apps/v1/namespaces/${managed}/deployments/app`)).spec.replicas, 0);
  const manager = await kube.get<{ spec: { deactivated: boolean } }>(`/apis/k8s.consol.de/v1beta1/namespaces/${home}/namespacemanagers/ejemplo`);
  assert.equal(manager.spec.deactivated, true);
  const again = await cli(["sweep", "-o", "json", "-c", config, "-n", managed]);
  assert.deepEqual(parseReport(again.stdout).actions, []);
});

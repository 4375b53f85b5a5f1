// The real-cluster tier for the fresh look before every write: the cluster changes while a paced
// sweep waits between writes, and the sweep acts only on what still qualifies at the write's time.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createDeployment, freshNamespace, HttpError, podState, runningPods, setPodStatus, terminatedState, useCluster, waitFor } from "./harness.ts";
import { runCli, writeConfig } from "../helpers/cli.ts";
import { parseReport } from "../helpers/report-shape.ts";
import type { Namespace } from "../../src/core/k8s.ts";

const { env, kube } = useCluster({ before, after });

const cli = (args: string[]) => runCli([...args, "--kubeconfig", env.kubeconfigs.admin], { timeoutMs: 180_000 });
const crash = { restarts: 4, ready: false, state: { waiting: { reason: "CrashLoopBackOff" } }, lastState: terminatedState(1) };
const replicasOf = async (ns: string, name: string) => (await kube.get<{ spec: { replicas: number } }>(`/apis/apps/v1/namespaces/${ns}/deployments/${name}`)).spec.replicas;

test("pods that recover, or are protected, between plan and write are not deleted; the report says why (exit 0)", async () => {
  const ns = await freshNamespace(kube, "recover");
  await createDeployment(kube, ns, "worker", 3);
  const pods = await runningPods(kube, ns, "worker", 3);
  for (const pod of pods) await setPodStatus(kube, ns, pod.metadata!.name!, crash);
  const config = writeConfig(`
settings: {waitBetweenActions: 0, order: oldest-first}
policies:
  - {name: crash, target: pods, when: {reasons: [CrashLoopBackOff]}, action: delete}
`);
  const plan = parseReport((await cli(["plan", "-o", "json", "-c", config, "-n", ns])).stdout);
  assert.equal(plan.actions.length, 3);
  const [first, second, third] = plan.actions.map((a) => a.target);
  // Paced: while the sweep waits after its first write, one pod recovers (its kubelet reports it
  // running again, through the status subresource) and another is annotated protect.
  const sweepRun = cli(["sweep", "-o", "json", "-c", config, "-n", ns, "--wait", "8s"]);
  await waitFor(`${first!.name} deleted`, async () => (await podState(kube, ns, first!.name)).state !== "present");
  await setPodStatus(kube, ns, second!.name, { restarts: 4, ready: true });
  await kube.mergePatch(`/api/v1/namespaces/${ns}/pods/${third!.name}`, { metadata: { annotations: { "kube-sweeper.io/protect": "true" } } });
  const sweep = await sweepRun;
  assert.equal(sweep.code, 0, sweep.stderr);
  const report = parseReport(sweep.stdout);
  assert.deepEqual(report.actions.map((a) => [a.target.name, a.status]), [[first!.name, "done"], [second!.name, "skipped"], [third!.name, "skipped"]]);
  assert.equal(report.actions[1]!.detail, "no longer holds: no reason reported");
  assert.equal(report.actions[2]!.detail, "protected now: annotated kube-sweeper.io/protect=true");
  assert.equal(report.summary.failed, 0);
  for (const target of [second!, third!]) assert.deepEqual(await podState(kube, ns, target.name), { state: "present", uid: target.uid });
});

async function namespaceUid(name: string): Promise<string | undefined> {
  try {
    return (await kube.get<Namespace>(`/api/v1/namespaces/${name}`)).metadata?.uid;
  } catch (error) {
    if (error instanceof HttpError && error.code === 404) return undefined;
    throw error;
  }
}

test("scaleDown: a namespace deleted and created again under the same name during the sweep is a conflict; the new namespace's Deployment keeps its replicas", async () => {
  const first = await freshNamespace(kube, "rescale");
  await createDeployment(kube, first, "web", 2);
  // Oldest first: the second namespace must be younger by at least a second.
  await new Promise((r) => setTimeout(r, 1100));
  const second = await freshNamespace(kube, "rescale");
  await createDeployment(kube, second, "web", 2);
  await runningPods(kube, second, "web", 2);
  const config = writeConfig(`
settings: {waitBetweenActions: 0}
policies:
  - {name: park, target: namespaces, match: {name: "^rescale-"}, when: {ttl: 0s}, action: {scaleDown: {kinds: [Deployment]}}}
`);
  const planned = await namespaceUid(second);
  const sweepRun = cli(["sweep", "-o", "json", "-c", config, "-n", first, "-n", second, "--wait", "40s"]);
  await waitFor(`${first}/web scaled down`, async () => (await replicasOf(first, "web")) === 0, 60_000);
  // The CI pipeline tears the second namespace down and creates it again, with a new Deployment.
  await kube.request("DELETE", `/api/v1/namespaces/${second}`);
  await waitFor(`namespace ${second} gone`, async () => (await namespaceUid(second)) === undefined, 35_000);
  await kube.create("/api/v1/namespaces", { metadata: { name: second } });
  await waitFor(`service account default in ${second}`, () => kube.exists(`/api/v1/namespaces/${second}/serviceaccounts/default`));
  await createDeployment(kube, second, "web", 3);
  const recreated = await namespaceUid(second);
  assert.notEqual(recreated, planned);

  const sweep = await sweepRun;
  assert.equal(sweep.code, 0, sweep.stderr);
  const report = parseReport(sweep.stdout);
  assert.deepEqual(report.actions.map((a) => [a.target.name, a.status]), [[first, "done"], [second, "conflict"]]);
  assert.match(report.actions[1]!.detail, new RegExp(`namespace ${second} was replaced \\(uid ${recreated}, planned ${planned}\\)`));
  const web = await kube.get<{ spec: { replicas: number }; metadata: { annotations?: Record<string, string> } }>(`/apis/apps/v1/namespaces/${second}/deployments/web`);
  assert.equal(web.spec.replicas, 3);
  assert.equal(web.metadata.annotations?.["kube-sweeper.io/original-replicas"], undefined);
  const ns = await kube.get<Namespace>(`/api/v1/namespaces/${second}`);
  assert.equal(ns.metadata?.annotations?.["kube-sweeper.io/done.park"], undefined);
});

test("the server refuses a scale whose JSON patch tests another uid (what scaleDown's uid binding relies on), and applies the one that tests the right uid", async () => {
  const ns = await freshNamespace(kube, "scaletest");
  await createDeployment(kube, ns, "web", 2);
  const uid = (await kube.get<{ metadata: { uid: string } }>(`/apis/apps/v1/namespaces/${ns}/deployments/web`)).metadata.uid;
  const patch = (testUid: string) =>
    kube.request("PATCH", `/apis/apps/v1/namespaces/${ns}/deployments/web/scale`, [{ op: "test", path: "/metadata/uid", value: testUid }, { op: "replace", path: "/spec/replicas", value: 0 }], "application/json-patch+json");
  await assert.rejects(patch("00000000-0000-0000-0000-000000000000"), (error: unknown) => error instanceof HttpError && error.code === 422);
  assert.equal(await replicasOf(ns, "web"), 2);
  await patch(uid);
  assert.equal(await replicasOf(ns, "web"), 0);
});

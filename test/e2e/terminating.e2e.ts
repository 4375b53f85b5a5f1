// Pods stuck Terminating, on the real v1.20.2 control plane (its controller-manager included).
// No kubelet runs here, and this file starts no stand-in kubelet: a deleted pod bound to a node
// stays Terminating, exactly as on a node that died. The example config's stuck-on-dead-node
// policy is used verbatim (examples/kube-sweeper.yaml).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import type { Pod } from "../../src/core/k8s.ts";
import { e2eEnv, ensureNode, freshNamespace, Kube, podState, podTemplate, setNodeReady, setPodStatus, waitFor } from "./harness.ts";
import { runCli, writeConfig } from "../helpers/cli.ts";
import { parseReport } from "../helpers/report-shape.ts";

const env = e2eEnv();
const kube = new Kube(env);
const EXAMPLE = fileURLToPath(new URL("../../examples/kube-sweeper.yaml", import.meta.url));
const DEAD = "e2e-node-dead";
const HEALTHY = "e2e-node-1";

before(async () => {
  await ensureNode(kube, HEALTHY);
  await ensureNode(kube, DEAD);
});
const namespaces: string[] = [];
// Leave the cluster as found for the other files: no extra node (a DaemonSet would want a pod on
// it), no namespaces with pods stuck Terminating.
after(async () => {
  for (const ns of namespaces) await kube.request("DELETE", `/api/v1/namespaces/${ns}`).catch(() => undefined);
  for (const ns of namespaces) {
    const pods = await kube.pods(ns).catch(() => []);
    for (const pod of pods) await kube.request("DELETE", `/api/v1/namespaces/${ns}/pods/${pod.metadata!.name}`, { gracePeriodSeconds: 0 }).catch(() => undefined);
  }
  await kube.request("DELETE", `/api/v1/nodes/${DEAD}`).catch(() => undefined);
  kube.close();
});

const cli = (args: string[]) => runCli([...args, "--kubeconfig", env.kubeconfigs.admin], { timeoutMs: 180_000 });

async function statefulSetOn(ns: string, name: string, node: string): Promise<void> {
  await kube.create(`/apis/apps/v1/namespaces/${ns}/statefulsets`, {
    metadata: { name, labels: { app: name } },
    spec: { replicas: 1, serviceName: name, selector: { matchLabels: { app: name } }, template: podTemplate(name, { nodeName: node }) },
  });
}

/** The scheduler bound the pod to its node. */
async function boundPod(ns: string, name: string): Promise<Pod> {
  return waitFor(`${ns}/${name} bound to a node`, async () => {
    const pod = await kube.get<Pod>(`/api/v1/namespaces/${ns}/pods/${name}`).catch(() => undefined);
    return pod?.spec?.nodeName && !pod.metadata?.deletionTimestamp ? pod : undefined;
  }, 60_000);
}

test("a StatefulSet pod stuck Terminating on a node Unknown for an hour is force-deleted by the example policy and recreated; the same on a healthy node is not", async () => {
  const ns = await freshNamespace(kube, "stuck");
  namespaces.push(ns);
  await statefulSetOn(ns, "dead", DEAD);
  await statefulSetOn(ns, "alive", HEALTHY);
  const dead = await boundPod(ns, "dead-0");
  const alive = await boundPod(ns, "alive-0");
  // The node lifecycle controller's taint eviction, as it would happen: a graceful delete that no
  // kubelet ever finishes. Grace 1s, so the deletionTimestamp is close to now.
  for (const pod of [dead, alive]) await kube.request("DELETE", `/api/v1/namespaces/${ns}/pods/${pod.metadata!.name}`, { gracePeriodSeconds: 1 });
  await setNodeReady(kube, DEAD, "Unknown", new Date(Date.now() - 3_600_000));
  assert.equal((await podState(kube, ns, "dead-0")).state, "terminating");
  assert.equal((await podState(kube, ns, "alive-0")).state, "terminating");
  // The example waits until a pod has been Terminating for 1m.
  await new Promise((r) => setTimeout(r, 65_000));

  const run = await cli(["sweep", "-c", EXAMPLE, "-n", ns, "-o", "json"]);
  assert.equal(run.code, 0, run.stderr);
  const report = parseReport(run.stdout);
  const action = report.actions.find((a) => a.target.name === "dead-0");
  assert.equal(action?.status, "done", run.stdout);
  assert.equal(action?.policy, "stuck-on-dead-node");
  const skipped = report.skipped.find((s) => s.target.name === "alive-0");
  assert.match(skipped?.reason ?? "", /forced delete \(gracePeriodSeconds 0\) not allowed: .*node e2e-node-1 is Ready; protected: already terminating/);

  // The StatefulSet controller (kube-controller-manager) recreates dead-0 under a new uid.
  const recreated = await waitFor("dead-0 recreated by its StatefulSet", async () => {
    const state = await podState(kube, ns, "dead-0");
    return state.state === "present" && state.uid !== dead.metadata!.uid ? state : undefined;
  }, 60_000);
  assert.notEqual(recreated.uid, dead.metadata!.uid);
  const stillStuck = await podState(kube, ns, "alive-0");
  assert.deepEqual(stillStuck, { state: "terminating", uid: alive.metadata!.uid });
  await setNodeReady(kube, DEAD, "True", new Date());
});

test("a crash-looping pod with an emptyDir is protected when safetyFilters.localStorage is on, and planned when it is off", async () => {
  const ns = await freshNamespace(kube, "localstorage");
  namespaces.push(ns);
  const template = podTemplate("cache", { nodeName: HEALTHY });
  await kube.create(`/api/v1/namespaces/${ns}/pods`, {
    metadata: { name: "cache-1", labels: template.metadata.labels, ownerReferences: [] },
    spec: { ...template.spec, nodeName: HEALTHY, volumes: [{ name: "scratch", emptyDir: {} }] },
  });
  await setPodStatus(kube, ns, "cache-1", { phase: "Running", ready: false, restarts: 7, state: { waiting: { reason: "CrashLoopBackOff" } } });
  const uid = (await podState(kube, ns, "cache-1")) as { uid: string };
  const config = (filter: boolean) =>
    writeConfig(`settings: {waitBetweenActions: 0s, safetyFilters: {localStorage: ${filter}}}
policies:
  - {name: crash, target: pods, when: {restarts: {atLeast: 5}}, action: delete, ignoreProtections: [bare-pods]}
`);
  const on = await cli(["sweep", "-c", config(true), "-n", ns, "-o", "json"]);
  assert.equal(on.code, 0, on.stderr);
  const report = parseReport(on.stdout);
  assert.equal(report.actions.length, 0);
  assert.match(report.skipped[0]?.reason ?? "", /local storage \(emptyDir scratch\): safetyFilters\.localStorage/);
  assert.deepEqual(await podState(kube, ns, "cache-1"), { state: "present", uid: uid.uid });

  const explain = JSON.parse((await cli(["explain", `${ns}/cache-1`, "-c", config(true), "-o", "json"])).stdout) as { policies: { heldBackBy: string[] }[]; outcome: string };
  assert.deepEqual(explain.policies[0]!.heldBackBy, ["protected: local storage (emptyDir scratch): safetyFilters.localStorage"]);
  assert.match(explain.outcome, /^skipped \(policy crash\): protected: local storage/);

  const off = await cli(["plan", "-c", config(false), "-n", ns, "-o", "json"]);
  assert.deepEqual(parseReport(off.stdout).actions.map((a) => a.target.name), ["cache-1"]);
});

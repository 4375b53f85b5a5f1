// The real-cluster tier for pod policies: plan and sweep through the real CLI against a real
// kube-apiserver v1.20.2 (with etcd, controller-manager and scheduler). Every scenario asserts
// the server's state afterwards, not only the CLI's report.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import {
  createBarePod, createDaemonSet, createDeployment, createStatefulSet, ensureNode, freshNamespace,
  podState, runningPods, setNodeReady, setPodStatus, terminatedState, useCluster, waitFor,
} from "./harness.ts";
import { runCli, writeConfig } from "../helpers/cli.ts";
import { parseReport, type ReportShape } from "../helpers/report-shape.ts";

const { env, kube } = useCluster({ before, after }, ["e2e-node-1", "e2e-node-2"]);

const cli = (args: string[], kubeconfig = env.kubeconfigs.admin) => runCli([...args, "--kubeconfig", kubeconfig], { timeoutMs: 120_000 });
const crash = { restarts: 4, ready: false, state: { waiting: { reason: "CrashLoopBackOff" } }, lastState: terminatedState(1) };
const names = (r: ReportShape) => r.actions.map((a) => a.target.name).sort();

async function waitGone(ns: string, name: string): Promise<void> {
  await waitFor(`${ns}/${name} gone`, async () => (await podState(kube, ns, name)).state === "gone");
}

test("each pod condition: plan lists exactly the matching pods, sweep deletes them, the others stay", async () => {
  const ns = await freshNamespace(kube, "conditions");
  await ensureNode(kube, "e2e-node-sick");
  const pairs = ["restarts", "exitcodes", "reasons", "phases", "unready"];
  for (const app of pairs) await createDeployment(kube, ns, app, 2);
  await createDeployment(kube, ns, "sick", 1, { nodeName: "e2e-node-sick" });
  await createDeployment(kube, ns, "healthy", 1, { nodeName: "e2e-node-1" });
  await createDeployment(kube, ns, "aged", 1);
  await createDeployment(kube, ns, "lifetime", 1);
  const pods: Record<string, string[]> = {};
  for (const app of [...pairs, "sick", "healthy", "aged", "lifetime"]) pods[app] = (await runningPods(kube, ns, app, app === "sick" || app === "healthy" || app === "aged" || app === "lifetime" ? 1 : 2)).map((p) => p.metadata!.name!);
  const match = (app: string) => pods[app]![0]!;
  const other = (app: string) => pods[app]![1]!;
  await setPodStatus(kube, ns, match("restarts"), { restarts: 3 });
  await setPodStatus(kube, ns, other("restarts"), { restarts: 2 });
  await setPodStatus(kube, ns, match("exitcodes"), { restarts: 1, lastState: terminatedState(137, "OOMKilled") });
  await setPodStatus(kube, ns, other("exitcodes"), { restarts: 1, lastState: terminatedState(1) });
  await setPodStatus(kube, ns, match("reasons"), { ready: false, state: { waiting: { reason: "CrashLoopBackOff" } } });
  await setPodStatus(kube, ns, other("reasons"), { ready: false, state: { waiting: { reason: "ImagePullBackOff" } } });
  await setPodStatus(kube, ns, match("phases"), { phase: "Failed", ready: false, state: terminatedState(2) });
  await setPodStatus(kube, ns, match("unready"), { ready: false, readySince: new Date(Date.now() - 20 * 60_000) });
  await setPodStatus(kube, ns, other("unready"), { ready: false, readySince: new Date() });
  await setNodeReady(kube, "e2e-node-sick", "Unknown", new Date(Date.now() - 10 * 60_000));
  // Age: the first pods are 6s old when their second siblings appear.
  await new Promise((r) => setTimeout(r, 6000));
  for (const app of ["aged", "lifetime"]) await kube.mergePatch(`/apis/apps/v1/namespaces/${ns}/deployments/${app}`, { spec: { replicas: 2 } });
  const young = async (app: string) => (await runningPods(kube, ns, app, 2)).map((p) => p.metadata!.name!).find((n) => n !== match(app))!;
  const youngAged = await young("aged");
  const youngLifetime = await young("lifetime");

  const config = writeConfig(`
settings: {waitBetweenActions: 0}
policies:
  - {name: restarts, target: pods, match: {selector: "app=restarts"}, when: {restarts: {atLeast: 3}}, action: delete}
  - {name: exit-codes, target: pods, match: {selector: "app=exitcodes"}, when: {exitCodes: {in: [137]}}, action: delete}
  - {name: reasons, target: pods, match: {selector: "app=reasons"}, when: {reasons: [CrashLoopBackOff]}, action: delete}
  - {name: phases, target: pods, match: {selector: "app=phases"}, when: {phases: [Failed]}, action: delete}
  - {name: unready, target: pods, match: {selector: "app=unready"}, when: {unreadyFor: 10m}, action: delete}
  - {name: node, target: pods, match: {selector: "app in (sick, healthy)"}, when: {nodeUnhealthyFor: 5m}, action: delete}
  - {name: older, target: pods, match: {selector: "app=aged"}, when: {olderThan: 5s}, action: delete}
  - {name: lifetime, target: pods, match: {selector: "app=lifetime"}, when: {lifetimeOver: 5s}, action: delete}
`);
  const expected = [match("restarts"), match("exitcodes"), match("reasons"), match("phases"), match("unready"), match("sick"), match("aged"), match("lifetime")].sort();
  const plan = await cli(["plan", "-o", "json", "-c", config, "-n", ns]);
  assert.equal(plan.code, 0, plan.stderr);
  assert.deepEqual(names(parseReport(plan.stdout)), expected);

  const sweep = await cli(["sweep", "-o", "json", "-c", config, "-n", ns]);
  assert.equal(sweep.code, 0, sweep.stderr);
  const report = parseReport(sweep.stdout);
  assert.deepEqual(names(report), expected);
  assert.ok(report.actions.every((a) => a.status === "done"), JSON.stringify(report.actions.map((a) => [a.target.name, a.status, a.detail])));
  for (const name of expected) await waitGone(ns, name);
  const survivors = [other("restarts"), other("exitcodes"), other("reasons"), other("phases"), other("unready"), match("healthy"), youngAged, youngLifetime];
  for (const name of survivors) assert.equal((await podState(kube, ns, name)).state, "present", name);
});

test("protections: kube-system, DaemonSet and bare pods are skipped with their reasons and survive the sweep", async () => {
  const ns = await freshNamespace(kube, "protect");
  const sysApp = `e2e-sys-${ns}`;
  await createDeployment(kube, "kube-system", sysApp, 1);
  await createDaemonSet(kube, ns, "agent");
  await createBarePod(kube, ns, "bare");
  await createDeployment(kube, ns, "normal", 1);
  const sys = (await runningPods(kube, "kube-system", sysApp, 1))[0]!.metadata!.name!;
  const agents = (await runningPods(kube, ns, "agent", 3)).map((p) => p.metadata!.name!);
  await waitFor("bare pod running", async () => (await kube.pods(ns)).some((p) => p.metadata?.name === "bare" && p.status?.phase === "Running"));
  const normal = (await runningPods(kube, ns, "normal", 1))[0]!.metadata!.name!;
  for (const [n, pod] of [["kube-system", sys], [ns, "bare"], [ns, normal], ...agents.map((a) => [ns, a])] as [string, string][]) await setPodStatus(kube, n, pod, crash);

  const config = writeConfig(`
settings: {waitBetweenActions: 0}
policies:
  - {name: crash, target: pods, match: {namespaces: [kube-system, ${ns}], selector: "app in (${sysApp}, agent, bare, normal)"}, when: {reasons: [CrashLoopBackOff]}, action: delete}
`);
  const sweep = await cli(["sweep", "-o", "json", "-c", config]);
  assert.equal(sweep.code, 0, sweep.stderr);
  const report = parseReport(sweep.stdout);
  assert.deepEqual(names(report), [normal]);
  const reasons = Object.fromEntries(report.skipped.map((s) => [s.target.name, s.reason]));
  assert.match(reasons[sys]!, /protected namespace kube-system/);
  assert.match(reasons.bare!, /bare pod/);
  for (const a of agents) assert.match(reasons[a]!, /DaemonSet pod \(agent\)/);
  await waitGone(ns, normal);
  for (const [n, pod] of [["kube-system", sys], [ns, "bare"], ...agents.map((a) => [ns, a])] as [string, string][]) {
    assert.equal((await podState(kube, n, pod)).state, "present", `${n}/${pod}`);
  }
  await kube.request("DELETE", `/apis/apps/v1/namespaces/kube-system/deployments/${sysApp}`);
});

test("maxActionsPerOwner 1: one pod per ReplicaSet is deleted, the rest are skipped naming the owner", async () => {
  const ns = await freshNamespace(kube, "owner");
  await createDeployment(kube, ns, "big", 3);
  await createDeployment(kube, ns, "small", 1);
  const big = (await runningPods(kube, ns, "big", 3)).map((p) => p.metadata!.name!);
  const small = (await runningPods(kube, ns, "small", 1)).map((p) => p.metadata!.name!);
  for (const pod of [...big, ...small]) await setPodStatus(kube, ns, pod, crash);
  const config = writeConfig(`
settings: {waitBetweenActions: 0, maxActionsPerOwner: 1}
policies:
  - {name: crash, target: pods, when: {reasons: [CrashLoopBackOff]}, action: delete}
`);
  const sweep = await cli(["sweep", "-o", "json", "-c", config, "-n", ns]);
  assert.equal(sweep.code, 0, sweep.stderr);
  const report = parseReport(sweep.stdout);
  assert.equal(report.actions.length, 2);
  assert.equal(report.skipped.length, 2);
  assert.ok(report.skipped.every((s) => /^limit: maxActionsPerOwner 1 \(ReplicaSet big-/.test(s.reason)), JSON.stringify(report.skipped));
  const deleted = names(report);
  for (const pod of deleted) await waitGone(ns, pod);
  assert.equal(deleted.filter((n) => big.includes(n)).length, 1);
  const remaining = big.filter((n) => !deleted.includes(n));
  for (const pod of remaining) assert.equal((await podState(kube, ns, pod)).state, "present");
});

test("blast radius: more matches than abortIfMoreThan.count -> exit 3, nothing deleted", async () => {
  const ns = await freshNamespace(kube, "blast");
  await createDeployment(kube, ns, "many", 4);
  const pods = (await runningPods(kube, ns, "many", 4)).map((p) => p.metadata!.name!);
  for (const pod of pods) await setPodStatus(kube, ns, pod, crash);
  const config = writeConfig(`
settings: {waitBetweenActions: 0, abortIfMoreThan: {count: 2}}
policies:
  - {name: crash, target: pods, when: {reasons: [CrashLoopBackOff]}, action: delete}
`);
  const sweep = await cli(["sweep", "-o", "json", "-c", config, "-n", ns]);
  assert.equal(sweep.code, 3, sweep.stderr);
  assert.match(sweep.stderr, /blast radius: 4 targets matched/);
  await new Promise((r) => setTimeout(r, 500));
  for (const pod of pods) assert.equal((await podState(kube, ns, pod)).state, "present", pod);
});

test("eviction and PodDisruptionBudgets (policy/v1beta1 on this server): one allowed eviction, then blocked", async () => {
  const ns = await freshNamespace(kube, "pdb");
  await createDeployment(kube, ns, "guarded", 2);
  const pods = (await runningPods(kube, ns, "guarded", 2)).map((p) => p.metadata!.name!);
  for (const pod of pods) await setPodStatus(kube, ns, pod, { restarts: 2, ready: true });
  await kube.create(`/apis/policy/v1beta1/namespaces/${ns}/poddisruptionbudgets`, { metadata: { name: "guarded" }, spec: { minAvailable: 1, selector: { matchLabels: { app: "guarded" } } } });
  // The disruption controller (kube-controller-manager) computes the budget's status.
  await waitFor("PDB status with 1 disruption allowed", async () => {
    const pdb = await kube.get<{ status?: { disruptionsAllowed?: number; currentHealthy?: number } }>(`/apis/policy/v1beta1/namespaces/${ns}/poddisruptionbudgets/guarded`);
    return pdb.status?.currentHealthy === 2 && pdb.status.disruptionsAllowed === 1;
  });
  const config = writeConfig(`
settings: {waitBetweenActions: 0}
policies:
  - {name: restarted, target: pods, match: {selector: "app=guarded"}, when: {restarts: {atLeast: 1}}, action: evict}
`);
  const sweep = await cli(["sweep", "-o", "json", "-c", config, "-n", ns]);
  assert.equal(sweep.code, 0, sweep.stderr);
  const report = parseReport(sweep.stdout);
  assert.deepEqual(report.actions.map((a) => a.status), ["done", "blocked"]);
  assert.match(report.actions[0]!.detail, /policy\/v1beta1/);
  assert.match(report.actions[1]!.detail, /disruption budget/);
  await waitGone(ns, report.actions[0]!.target.name);
  assert.equal((await podState(kube, ns, report.actions[1]!.target.name)).state, "present");
});

test("a StatefulSet pod deleted and recreated between read and write: uid precondition -> conflict, the new pod survives", async () => {
  const ns = await freshNamespace(kube, "sts");
  await createStatefulSet(kube, ns, "web", 2);
  await runningPods(kube, ns, "web", 2);
  for (const pod of ["web-0", "web-1"]) await setPodStatus(kube, ns, pod, crash);
  const config = writeConfig(`
settings: {waitBetweenActions: 0, order: oldest-first}
policies:
  - {name: crash, target: pods, when: {reasons: [CrashLoopBackOff]}, action: delete}
`);
  const plan = parseReport((await cli(["plan", "-o", "json", "-c", config, "-n", ns])).stdout);
  const [first, second] = plan.actions.map((a) => a.target);
  // Pace the sweep so the second pod can be replaced while it waits after the first write.
  const sweepRun = cli(["sweep", "-o", "json", "-c", config, "-n", ns, "--wait", "6s"]);
  await waitFor(`${first!.name} deleted`, async () => {
    const s = await podState(kube, ns, first!.name);
    return s.state !== "present" || s.uid !== first!.uid;
  });
  await kube.request("DELETE", `/api/v1/namespaces/${ns}/pods/${second!.name}`, { gracePeriodSeconds: 0 });
  const replaced = await waitFor(`${second!.name} recreated`, async () => {
    const s = await podState(kube, ns, second!.name);
    return s.state === "present" && s.uid !== second!.uid ? s : undefined;
  });
  const sweep = await sweepRun;
  assert.equal(sweep.code, 0, sweep.stderr);
  const report = parseReport(sweep.stdout);
  assert.deepEqual(report.actions.map((a) => a.status), ["done", "conflict"]);
  // The fresh look before the write finds the new uid; the delete would also carry the planned uid as a precondition.
  assert.match(report.actions[1]!.detail, new RegExp(`the pod was replaced \\(uid ${replaced.uid}, planned ${second!.uid}\\)`));
  assert.deepEqual(await podState(kube, ns, second!.name), { state: "present", uid: replaced.uid });
});

test("RBAC: a token that cannot list pods exits 2 naming the permission; a read-only token is stopped before any write (exit 2)", async () => {
  const ns = await freshNamespace(kube, "rbac");
  await kube.create(`/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`, {
    metadata: { name: "readonly-view" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" },
    subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "e2e:readonly" }],
  });
  await createDeployment(kube, ns, "victim", 1);
  const pod = (await runningPods(kube, ns, "victim", 1))[0]!.metadata!.name!;
  await setPodStatus(kube, ns, pod, crash);
  const config = writeConfig(`
settings: {waitBetweenActions: 0}
policies:
  - {name: crash, target: pods, match: {namespaces: [${ns}]}, when: {reasons: [CrashLoopBackOff]}, action: delete}
`);
  const nobody = await cli(["plan", "-c", config], env.kubeconfigs.nobody);
  assert.equal(nobody.code, 2);
  assert.match(nobody.stderr, /User "nobody" cannot list resource "pods" in API group "" in the namespace/);
  // The line naming the cluster, then one line of error.
  assert.match(nobody.stderr, /^using context "e2e" \(cluster "e2e", user "nobody"\) at https:\/\/\S+\nkube-sweeper: [^\n]+\n$/);

  // A read-only token: the permission check before the first write stops the run, naming what
  // is missing, and nothing is deleted.
  const serverDry = await cli(["sweep", "-o", "json", "-c", config, "--dry-run=server"], env.kubeconfigs.readonly);
  assert.equal(serverDry.code, 2, serverDry.stderr);
  assert.match(serverDry.stderr, new RegExp(`missing permission, nothing was done: delete pods in namespace ${ns} \\(action delete\\)`));

  // A real sweep takes the lock first: the read-only token may not.
  const readonly = await cli(["sweep", "-o", "json", "-c", config], env.kubeconfigs.readonly);
  assert.equal(readonly.code, 2, readonly.stderr);
  assert.match(readonly.stderr, /cannot (read|take) the lock \(lease default\/kube-sweeper\): HTTP 403: .*User "readonly" cannot/);
  assert.equal((await podState(kube, ns, pod)).state, "present");

  // On this server a plain dryRun=All DELETE of a scheduled pod persists its deletionTimestamp;
  // the sweeper's server dry run must leave the pod untouched: not Terminating, same uid.
  const before = await podState(kube, ns, pod);
  const adminDry = await cli(["sweep", "-o", "json", "-c", config, "--dry-run=server"]);
  assert.equal(adminDry.code, 0, adminDry.stderr);
  assert.deepEqual(parseReport(adminDry.stdout).actions.map((a) => a.status), ["would-do"]);
  await new Promise((r) => setTimeout(r, 1000));
  assert.deepEqual(await podState(kube, ns, pod), before);
});

test("--snapshot of the same cluster (kubectl get pods,nodes,namespaces -A -o json) gives the same plan as the live read", async () => {
  const ns = await freshNamespace(kube, "snap");
  await createDeployment(kube, ns, "snap", 3);
  const pods = (await runningPods(kube, ns, "snap", 3)).map((p) => p.metadata!.name!);
  await setPodStatus(kube, ns, pods[0]!, crash);
  await setPodStatus(kube, ns, pods[1]!, { restarts: 7 });
  const config = writeConfig(`
settings: {waitBetweenActions: 0, maxActionsPerOwner: 1, order: most-restarts-first}
policies:
  - {name: crash, target: pods, when: {restarts: {atLeast: 1}}, action: delete}
`);
  const now = new Date().toISOString();
  const file = writeConfig("");
  writeFileSync(file, execFileSync(env.kubectl, ["--kubeconfig", env.kubeconfigs.admin, "get", "pods,nodes,namespaces", "-A", "-o", "json"], { maxBuffer: 512 * 1024 * 1024 }));
  const live = parseReport((await cli(["plan", "-o", "json", "-c", config, "-n", ns, "--now", now])).stdout);
  const snap = parseReport((await runCli(["plan", "-o", "json", "-c", config, "-n", ns, "--now", now, "--snapshot", file])).stdout);
  assert.equal(live.actions.length, 1);
  assert.equal(live.actions[0]!.target.name, pods[1]);
  assert.deepEqual(snap.actions, live.actions);
  assert.deepEqual(snap.skipped, live.skipped);
});

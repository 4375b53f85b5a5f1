// kube-sweeper against its peers' own test cases. Each case names the upstream test it mirrors
// (kubernetes-sigs/descheduler pkg/framework/plugins/*/..._test.go, target/pod-reaper
// rules/*_test.go): the same pods, a kube-sweeper config meaning the same thing, and the same
// number of pods acted on. Facts carry over; the upstream code does not.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "../../src/core/k8s.ts";
import { planOf } from "../helpers/plan-of.ts";
import { buildNode, buildPod, hours, iso, minutes, T0, waiting } from "../fixtures/builders.ts";

const SECOND = 1000;

// --- descheduler RemovePodsHavingTooManyRestarts (toomanyrestarts_test.go, initPods) ---------
// Ten pods on node1; pod i has 5i init-container restarts and 10i + 10i restarts in two
// containers. Pod 6 belongs to a DaemonSet, pod 7 has local storage (hostPath + emptyDir),
// pod 8 is a mirror pod: the default evictor keeps all three.
function restartPods(): Pod[] {
  return Array.from({ length: 10 }, (_, i) =>
    buildPod({ name: `pod-${i}`, node: "node1", owner: { kind: "ReplicaSet", name: `rs-${i}` } }, (p) => {
      p.status!.initContainerStatuses = [{ name: "init", restartCount: 5 * i }];
      p.status!.containerStatuses = [
        { name: "a", restartCount: 10 * i },
        { name: "b", restartCount: 10 * i },
      ];
      if (i === 6) p.metadata!.ownerReferences![0]!.kind = "DaemonSet";
      if (i === 7) p.spec!.volumes = [{ name: "sample", hostPath: { path: "somePath" }, emptyDir: {} }];
      if (i === 8) p.metadata!.annotations = { "kubernetes.io/config.mirror": "mirror" };
    }),
  );
}
// descheduler's default evictor keeps local-storage pods unless evictLocalStoragePods is set.
const DEFAULT_EVICTOR = "  safetyFilters: {localStorage: true}";
const restartsPolicy = (atLeast: number, init: boolean) =>
  `  - {name: restarts, target: pods, when: {restarts: {atLeast: ${atLeast}, includeInitContainers: ${init}}}, action: evict}`;

const restartCases: [string, number, boolean, number, string?][] = [
  ["All pods have total restarts under threshold, no pod evictions", 10000, true, 0],
  ["Some pods have total restarts bigger than threshold", 1, true, 6],
  ["Nine pods have total restarts equals threshold(includingInitContainers=true), 6 pod evictions", 25, true, 6],
  ["Nine pods have total restarts equals threshold(includingInitContainers=false), 5 pod evictions", 25, false, 5],
  ["All pods have total restarts equals threshold(includingInitContainers=true), 6 pod evictions", 20, true, 6],
  ["Nine pods have total restarts equals threshold(includingInitContainers=false), 6 pod evictions", 20, false, 6],
  ["Five pods have total restarts bigger than threshold(includingInitContainers=true), but only 1 pod eviction", 5 * 25 + 1, true, 1],
  ["Five pods have total restarts bigger than threshold(includingInitContainers=false), but only 1 pod eviction", 5 * 20 + 1, false, 1],
  ["All pods have total restarts equals threshold(maxPodsToEvictPerNode=3), 3 pod evictions", 1, true, 3, "  maxActionsPerNode: 3"],
  ["All pods have total restarts equals threshold(maxNoOfPodsToEvictPerNamespace=3), 3 pod evictions", 1, true, 3, "  maxActionsPerNamespace: 3"],
];
for (const [upstream, atLeast, init, expected, limit] of restartCases) {
  test(`descheduler RemovePodsHavingTooManyRestarts "${upstream}": ${expected} planned`, async () => {
    const plan = await planOf(restartsPolicy(atLeast, init), restartPods(), { settings: [DEFAULT_EVICTOR, limit].filter(Boolean).join("\n") });
    assert.equal(plan.actions.length, expected, JSON.stringify(plan.skipped));
  });
}

test('descheduler RemovePodsHavingTooManyRestarts: the local-storage pod is skipped naming the filter', async () => {
  const plan = await planOf(restartsPolicy(1, true), restartPods(), { settings: DEFAULT_EVICTOR });
  const skipped = plan.skipped.find((s) => s.target.name === "pod-7");
  assert.match(skipped?.reason ?? "", /local storage.*safetyFilters\.localStorage/);
});

test("descheduler RemovePodsHavingTooManyRestarts with the filter off (evictLocalStoragePods: true): 7 planned", async () => {
  const plan = await planOf(restartsPolicy(1, true), restartPods());
  assert.equal(plan.actions.length, 7);
});

// The `states` cases: a current waiting reason of CrashLoopBackOff in the first container.
const crashLooping = () =>
  restartPods().map((p) => {
    p.status!.containerStatuses![0]!.state = waiting("CrashLoopBackOff");
    return p;
  });
const initCrashLooping = () =>
  restartPods().map((p) => {
    p.status!.initContainerStatuses = [{ name: "init", restartCount: 0, state: waiting("CrashLoopBackOff") }];
    return p;
  });
const statesPolicy = (init: boolean | undefined) =>
  `  - {name: states, target: pods, when: {restarts: {atLeast: 1}, reasons: ${init === undefined ? "[CrashLoopBackOff]" : `{in: [CrashLoopBackOff], includeInitContainers: ${init}}`}}, action: evict}`;
const stateCases: [string, () => Pod[], boolean | undefined, number][] = [
  ["pods are in CrashLoopBackOff with states=CrashLoopBackOff, 3 pod evictions", crashLooping, undefined, 3],
  ["pods without CrashLoopBackOff with states=CrashLoopBackOff, 0 pod evictions", restartPods, undefined, 0],
  ["pods pending with initContainer with states=CrashLoopBackOff threshold(includingInitContainers=true), 3 pod evictions", initCrashLooping, true, 3],
  ["pods pending with initContainer with states=CrashLoopBackOff threshold(includingInitContainers=false), 0 pod evictions", initCrashLooping, false, 0],
  ["(same, includeInitContainers left out: the default, as for restarts, is false), 0 pod evictions", initCrashLooping, undefined, 0],
];
for (const [upstream, pods, init, expected] of stateCases) {
  test(`descheduler RemovePodsHavingTooManyRestarts "${upstream}": ${expected} planned`, async () => {
    const plan = await planOf(statesPolicy(init), pods(), { settings: `${DEFAULT_EVICTOR}\n  maxActionsPerNode: 3` });
    assert.equal(plan.actions.length, expected);
  });
}

// --- descheduler PodLifeTime (pod_lifetime_test.go): maxPodLifeTimeSeconds 600, age > 600s ----
const lifetime = (extra = "") => `  - {name: lifetime, target: pods, when: {lifetimeOver: 600s${extra}}, action: evict}`;
const aged = (name: string, age: number, tweak?: (p: Pod) => void) => buildPod({ name, namespace: "dev", node: "n1", age }, tweak);
const VERY_OLD = hours(24 * 365 * 10);
const lifetimeCases: [string, string, () => Pod[], number, string?][] = [
  ["Two pods in the `dev` Namespace, 1 is new and 1 very is old. 1 should be evicted.", lifetime(), () => [aged("p1", 0), aged("p2", VERY_OLD)], 1],
  ["Two pods in the `dev` Namespace, 2 are new and 0 are old. 0 should be evicted.", lifetime(), () => [aged("p3", 0), aged("p4", 0)], 0],
  ["Two pods in the `dev` Namespace, 1 created 605 seconds ago. 1 should be evicted.", lifetime(), () => [aged("p5", 0), aged("p6", 605 * SECOND)], 1],
  ["Two pods in the `dev` Namespace, 1 created 595 seconds ago. 0 should be evicted.", lifetime(), () => [aged("p7", 0), aged("p8", 595 * SECOND)], 0],
  ["(boundary) a pod exactly 600 seconds old is not over 600 seconds: 0 should be evicted.", lifetime(), () => [aged("p8", 600 * SECOND)], 0],
  ["Two old pods with different states. 1 should be evicted.", lifetime(", phases: [Pending]"), () => [aged("p9", VERY_OLD, (p) => (p.status!.phase = "Pending")), aged("p10", VERY_OLD)], 1],
  ["evicts pvc pods with ignorePvcPods set to false (or unset)", lifetime(), () => [aged("p11", VERY_OLD, (p) => (p.spec!.volumes = [{ name: "pvc", persistentVolumeClaim: { claimName: "foo" } }]))], 1],
  ["does not evict pvc pods with ignorePvcPods set to true", lifetime(), () => [aged("p11", VERY_OLD, (p) => (p.spec!.volumes = [{ name: "pvc", persistentVolumeClaim: { claimName: "foo" } }]))], 0, "  safetyFilters: {persistentVolumeClaims: true}"],
  ["No pod should be evicted since pod terminating", lifetime(), () => [aged("p14", VERY_OLD, (p) => (p.metadata!.deletionTimestamp = iso(T0))), aged("p15", VERY_OLD, (p) => (p.metadata!.deletionTimestamp = iso(T0)))], 0],
  ["1 Oldest pod should be evicted when maxPodsToEvictPerNode is set to 1", lifetime(), () => [aged("p1", 0), aged("p2", VERY_OLD), aged("p9", VERY_OLD, (p) => (p.status!.phase = "Pending"))], 1, "  maxActionsPerNode: 1"],
  ["1 Oldest pod should be evicted when maxPodsToEvictPerNamespace is set to 1", lifetime(), () => [aged("p1", 0), aged("p2", VERY_OLD), aged("p9", VERY_OLD)], 1, "  maxActionsPerNamespace: 1"],
  ["1 pod with container status ImagePullBackOff should be evicted", lifetime(", reasons: [ImagePullBackOff]"), () => [aged("p9", VERY_OLD, (p) => (p.status!.containerStatuses![0]!.state = waiting("ImagePullBackOff")))], 1],
  ["1 pod with init container status CreateContainerError should not be evicted without includingInitContainers", lifetime(", reasons: [CreateContainerError]"), () => [aged("p9", VERY_OLD, (p) => (p.status!.initContainerStatuses = [{ name: "i", restartCount: 0, state: waiting("CreateContainerError") }]))], 0],
  ["1 pod with init container status CreateContainerError should be evicted with includingInitContainers", lifetime(", reasons: {in: [CreateContainerError], includeInitContainers: true}"), () => [aged("p9", VERY_OLD, (p) => (p.status!.initContainerStatuses = [{ name: "i", restartCount: 0, state: waiting("CreateContainerError") }]))], 1],
];
for (const [upstream, policy, pods, expected, settings] of lifetimeCases) {
  test(`descheduler PodLifeTime "${upstream}": ${expected} planned`, async () => {
    const plan = await planOf(policy, pods(), settings ? { settings } : {});
    assert.equal(plan.actions.length, expected, JSON.stringify(plan.skipped));
  });
}

test("descheduler PodLifeTime: the oldest pod is the one kept under maxActionsPerNode 1 (SortPodsBasedOnAge)", async () => {
  const plan = await planOf(lifetime(), [aged("young", minutes(20)), aged("oldest", VERY_OLD), aged("old", hours(5))], { settings: "  maxActionsPerNode: 1" });
  assert.deepEqual(plan.actions.map((a) => a.target.name), ["oldest"]);
  assert.deepEqual(plan.skipped.map((s) => s.reason), ["limit: maxActionsPerNode 1 (1 planned on n1)", "limit: maxActionsPerNode 1 (1 planned on n1)"]);
});

// --- descheduler RemoveFailedPods (failedpods_test.go): phase Failed, reasons, minPodLifetimeSeconds (>=) ---
const failed = (name: string, tweak: (p: Pod) => void, node = "node1") => buildPod({ name, node, phase: "Failed", age: 0 }, tweak);
const terminatedWith = (reason: string) => ({ terminated: { exitCode: 1, reason } });
const failedPolicy = (extra = "") => `  - {name: failed, target: pods, when: {phases: [Failed]${extra}}, action: delete}`;
const failedCases: [string, string, () => Pod[], number][] = [
  ["1 container terminated with reason NodeAffinity, 1 eviction", failedPolicy(), () => [failed("p1", (p) => (p.status!.containerStatuses![0]!.state = terminatedWith("NodeAffinity")))], 1],
  ["include reason=CreateContainerConfigError, 1 container terminated with reason CreateContainerConfigError, 1 eviction", failedPolicy(", reasons: [CreateContainerConfigError]"), () => [failed("p1", (p) => (p.status!.containerStatuses![0]!.state = terminatedWith("CreateContainerConfigError")))], 1],
  ["include reason=CreateContainerConfigError+NodeAffinity, 1 container terminated with reason CreateContainerConfigError, 1 eviction", failedPolicy(", reasons: [CreateContainerConfigError, NodeAffinity]"), () => [failed("p1", (p) => (p.status!.containerStatuses![0]!.state = terminatedWith("CreateContainerConfigError")))], 1],
  ["include reason=CreateContainerConfigError, 1 container terminated with reason NodeAffinity, 0 eviction", failedPolicy(", reasons: [CreateContainerConfigError]"), () => [failed("p1", (p) => (p.status!.containerStatuses![0]!.state = terminatedWith("NodeAffinity")))], 0],
  ["include init container=false, 1 init container waiting with reason CreateContainerConfigError, 0 eviction", failedPolicy(", reasons: [CreateContainerConfigError]"), () => [failed("p1", (p) => (p.status!.initContainerStatuses = [{ name: "i", restartCount: 0, state: waiting("CreateContainerConfigError") }]))], 0],
  ["1 init container waiting with reason CreateContainerConfigError (includingInitContainers), 1 eviction", failedPolicy(", reasons: {in: [CreateContainerConfigError], includeInitContainers: true}"), () => [failed("p1", (p) => (p.status!.initContainerStatuses = [{ name: "i", restartCount: 0, state: waiting("CreateContainerConfigError") }]))], 1],
  ["lifetime 1 hour, 1 container terminated with reason NodeAffinity, 0 eviction", failedPolicy(", olderThan: 1h"), () => [failed("p1", (p) => (p.status!.containerStatuses![0]!.state = terminatedWith("NodeAffinity")))], 0],
  ["excluded owner kind=ReplicaSet, 1 init container terminated with owner kind=ReplicaSet, 0 eviction", `  - {name: failed, target: pods, match: {excludeOwnerKinds: [ReplicaSet]}, when: {phases: [Failed]}, action: delete}`, () => [failed("p1", () => {})], 0],
  ["excluded owner kind=DaemonSet, 1 init container terminated with owner kind=ReplicaSet, 1 eviction", `  - {name: failed, target: pods, match: {excludeOwnerKinds: [DaemonSet]}, when: {phases: [Failed]}, action: delete}`, () => [failed("p1", () => {})], 1],
  ["excluded owner kind=DaemonSet, 1 init container terminated with owner kind=ReplicaSet, 1 pod in termination; nothing should be moved", failedPolicy(), () => [failed("p1", (p) => (p.metadata!.deletionTimestamp = iso(T0)))], 0],
  ["include reason=Shutdown, 2 containers terminated with reason ShutDown, 2 evictions", failedPolicy(", reasons: [Shutdown]"), () => [failed("p1", (p) => (p.status!.reason = "Shutdown")), failed("p2", (p) => (p.status!.reason = "Shutdown"))], 2],
];
for (const [upstream, policy, pods, expected] of failedCases) {
  test(`descheduler RemoveFailedPods "${upstream}": ${expected} planned`, async () => {
    const plan = await planOf(policy, pods());
    assert.equal(plan.actions.length, expected, JSON.stringify(plan.skipped));
  });
}

test('descheduler RemoveFailedPods minPodLifetimeSeconds: a pod exactly 1h old is old enough (age >= min), like olderThan', async () => {
  const plan = await planOf(failedPolicy(", olderThan: 1h"), [buildPod({ name: "p1", phase: "Failed", age: hours(1) })]);
  assert.equal(plan.actions.length, 1);
});

// --- pod-reaper rules (rules/unready_test.go, duration_test.go, container_status_test.go) ------
const unready = (d: string) => `  - {name: unready, target: pods, when: {unreadyFor: ${d}}, action: delete}`;
const unreadySince = (since: number | undefined, status = "False") =>
  buildPod({ name: "w-1" }, (p) => {
    p.status!.conditions = since === undefined ? [] : [{ type: "Ready", status, lastTransitionTime: iso(T0 - since) }];
  });
const reaperCases: [string, string, () => Pod[], number][] = [
  ['TestUnreadyShouldReap "no ready time" (no Ready condition: never acted on)', unready("10m"), () => [unreadySince(undefined)], 0],
  ['TestUnreadyShouldReap "reap": 9m59s, unready for 10m', unready("9m59s"), () => [unreadySince(minutes(10))], 1],
  ['TestUnreadyShouldReap "no reap": 10m1s, unready for 10m', unready("10m1s"), () => [unreadySince(minutes(10))], 0],
  ['TestUnreadyShouldReap "zero LastTransitionTime does not reap"', unready("1m"), () => [buildPod({ name: "w-1" }, (p) => (p.status!.conditions = [{ type: "Ready", status: "False" }]))], 0],
  ['TestUnreadyShouldReap "Status Unknown treated as unready"', unready("1m"), () => [unreadySince(minutes(10), "Unknown")], 1],
  ['TestUnreadyShouldReap "Status True does not reap"', unready("1m"), () => [unreadySince(minutes(10), "True")], 0],
  ["TestStatusWaiting: a waiting reason listed", `  - {name: st, target: pods, when: {reasons: [test-status, another-status]}, action: delete}`, () => [buildPod({ name: "w-1", state: waiting("test-status") })], 1],
  ["TestStatusTerminated: a terminated reason listed", `  - {name: st, target: pods, when: {reasons: [test-status, another-status]}, action: delete}`, () => [buildPod({ name: "w-1", state: { terminated: { exitCode: 1, reason: "another-status" } } })], 1],
  ["TestStatusNotPresent: an unlisted reason", `  - {name: st, target: pods, when: {reasons: [test-status, another-status]}, action: delete}`, () => [buildPod({ name: "w-1", state: waiting("not-present") })], 0],
];
for (const [upstream, policy, pods, expected] of reaperCases) {
  test(`pod-reaper ${upstream}: ${expected} planned`, async () => {
    const plan = await planOf(policy, pods());
    assert.equal(plan.actions.length, expected, JSON.stringify(plan.skipped));
  });
}

test("pod-reaper MAX_DURATION 1m59s counts from status.startTime; kube-sweeper's lifetimeOver counts from creation (documented difference)", async () => {
  // Created 2h ago, started 1m ago (it waited for a node): pod-reaper spares it, lifetimeOver does not.
  const pod = buildPod({ name: "w-1", age: hours(2) }, (p) => (p.status!.startTime = iso(T0 - minutes(1))));
  const plan = await planOf(`  - {name: life, target: pods, when: {lifetimeOver: 1m59s}, action: delete}`, [pod]);
  assert.equal(plan.actions.length, 1);
});

test("exitCodes look at init containers only with includeInitContainers, as restarts and reasons do", async () => {
  const pod = buildPod({ name: "w-1" }, (p) => (p.status!.initContainerStatuses = [{ name: "i", restartCount: 0, state: { terminated: { exitCode: 3, reason: "Error" } } }]));
  assert.equal((await planOf(`  - {name: ec, target: pods, when: {exitCodes: {in: [3]}}, action: delete}`, [pod])).actions.length, 0);
  assert.equal((await planOf(`  - {name: ec, target: pods, when: {exitCodes: {in: [3], includeInitContainers: true}}, action: delete}`, [pod])).actions.length, 1);
});

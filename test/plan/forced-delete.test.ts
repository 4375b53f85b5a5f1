// Pods stuck Terminating: terminatingFor + {delete: {gracePeriodSeconds: 0}}, allowed only when the
// pod's node is gone or not Ready for the policy's nodeUnhealthyFor. The "already terminating"
// protection steps aside for that one case and keeps blocking every other.
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildNode, buildPod, hours, iso, minutes, T0 } from "../fixtures/builders.ts";
import { planOf } from "../helpers/plan-of.ts";
import type { Pod } from "../../src/core/k8s.ts";
import { podConditions } from "../../src/policies/pods/conditions/index.ts";

const FORCED = `  - {name: stuck, target: pods, when: {terminatingFor: 5m, nodeUnhealthyFor: 30m}, action: {delete: {gracePeriodSeconds: 0}}}`;
const stuck = (terminatingFor = minutes(10), tweak?: (p: Pod) => void) =>
  buildPod({ name: "cache-0", node: "n1", owner: { kind: "StatefulSet", name: "cache" } }, (p) => {
    p.metadata!.deletionTimestamp = iso(T0 - terminatingFor);
    tweak?.(p);
  });

test("stuck Terminating on a node Unknown for 1h: a forced delete is planned (gracePeriodSeconds 0 in the plan)", async () => {
  const plan = await planOf(FORCED, [stuck()], { nodes: [buildNode("n1", "Unknown", hours(1))] });
  assert.equal(plan.actions.length, 1, JSON.stringify(plan.skipped));
  assert.equal(plan.actions[0]!.gracePeriodSeconds, 0);
  assert.deepEqual(plan.actions[0]!.reasons, ["terminating for 10m >= 5m (deletionTimestamp 2026-11-21T09:50:00Z)", "node n1 Ready=Unknown for 1h >= 30m"]);
});

test("stuck Terminating on a node that no longer exists: planned", async () => {
  const plan = await planOf(FORCED, [stuck()], { nodes: [buildNode("other")] });
  assert.equal(plan.actions.length, 1);
});

const heldBack: [string, Pod, ReturnType<typeof buildNode>[] | undefined, RegExp][] = [
  ["on a Ready node", stuck(), [buildNode("n1", "True")], /forced delete \(gracePeriodSeconds 0\) not allowed: needs the node gone or not Ready for at least 30m: node n1 is Ready; protected: already terminating/],
  ["on a node NotReady for only 10m", stuck(), [buildNode("n1", "False", minutes(10))], /not allowed: .*Ready=False for 10m < 30m/],
  ["without node information (a snapshot without Nodes)", stuck(), undefined, /not allowed: .*node information not available/],
  ["a DaemonSet pod on a dead node (other protections still hold)", stuck(minutes(10), (p) => (p.metadata!.ownerReferences![0]!.kind = "DaemonSet")), [buildNode("n1", "Unknown", hours(1))], /^protected: DaemonSet pod/],
];
for (const [name, pod, nodes, reason] of heldBack) {
  test(`forced delete held back ${name}, with the reason`, async () => {
    const plan = await planOf(FORCED, [pod], nodes ? { nodes } : {});
    assert.equal(plan.actions.length, 0);
    assert.equal(plan.skipped.length, 1);
    assert.match(plan.skipped[0]!.reason, reason);
  });
}

test("terminating for less than terminatingFor: not matched at all", async () => {
  const plan = await planOf(FORCED, [stuck(minutes(4))], { nodes: [buildNode("n1", "Unknown", hours(1))] });
  assert.deepEqual([plan.actions.length, plan.skipped.length], [0, 0]);
});

test("a pod not terminating on a dead node: a forced delete needs its other conditions (terminatingFor) too", async () => {
  const plan = await planOf(FORCED, [buildPod({ name: "w-1", node: "n1" })], { nodes: [buildNode("n1", "Unknown", hours(1))] });
  assert.equal(plan.actions.length, 0);
});

for (const [name, action] of [["a graceful delete", "delete"], ["an eviction", "evict"], ["a delete with a grace period of 5s", "{delete: {gracePeriodSeconds: 5}}"]] as const) {
  test(`the terminating protection still blocks ${name} of a stuck pod on a dead node`, async () => {
    const plan = await planOf(`  - {name: stuck, target: pods, when: {terminatingFor: 5m, nodeUnhealthyFor: 30m}, action: ${action}}`, [stuck()], { nodes: [buildNode("n1", "Unknown", hours(1))] });
    assert.equal(plan.actions.length, 0);
    assert.match(plan.skipped[0]!.reason, /^protected: already terminating since/);
  });
}

const badConfigs: [string, string][] = [
  ["without nodeUnhealthyFor", `  - {name: f, target: pods, when: {terminatingFor: 5m}, action: {delete: {gracePeriodSeconds: 0}}}`],
  ["with nodeUnhealthyFor alone", `  - {name: f, target: pods, when: {nodeUnhealthyFor: 5m}, action: {delete: {gracePeriodSeconds: 0}}}`],
];
for (const [name, yaml] of badConfigs) {
  test(`config: a forced delete ${name} is refused with its path`, async () => {
    await assert.rejects(planOf(yaml, []), /policies\[0\]\.action\.delete\.gracePeriodSeconds.*needs when\.nodeUnhealthyFor/s);
  });
}

test("config: a negative grace period is refused", async () => {
  await assert.rejects(planOf(`  - {name: f, target: pods, when: {olderThan: 1m}, action: {delete: {gracePeriodSeconds: -1}}}`, []), /gracePeriodSeconds/);
});

const terminatingCases: [string, Pod, number, boolean, RegExp][] = [
  ["exactly at the threshold holds", stuck(minutes(5)), minutes(5), true, /terminating for 5m >= 5m/],
  ["one second under does not", stuck(minutes(5) - 1000), minutes(5), false, /4m59s < 5m/],
  ["a grace period still running does not", stuck(-30_000), 0, false, /grace period ends in 30s/],
  ["not terminating does not", buildPod({ name: "w-1" }), 0, false, /not terminating/],
];
for (const [name, pod, min, holds, reason] of terminatingCases) {
  test(`terminatingFor: ${name}`, () => {
    const verdict = podConditions.terminatingFor(pod, min, { now: T0, nodes: undefined, namespaces: undefined });
    assert.equal(verdict.holds, holds);
    assert.match(verdict.reason, reason);
  });
}

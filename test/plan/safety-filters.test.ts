// descheduler's default-evictor filters, opt-in: each one that holds is a protection naming its
// filter in the skipped reason; maxActionsPerNode is a limit reported like the others.
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildPod } from "../fixtures/builders.ts";
import { planOf } from "../helpers/plan-of.ts";
import type { Pod } from "../../src/core/k8s.ts";

const crashing = (name: string, tweak?: (p: Pod) => void) => buildPod({ name, restarts: 5, owner: { kind: "ReplicaSet", name: `rs-${name}` } }, tweak);
const policy = (extra = "") => `  - {name: restarted, target: pods, when: {restarts: {atLeast: 1}}, action: delete${extra}}`;
const withVolumes = (name: string, volumes: NonNullable<Pod["spec"]>["volumes"]) => crashing(name, (p) => (p.spec!.volumes = volumes));
const withPriority = (name: string, priority: number | undefined, className?: string) =>
  crashing(name, (p) => {
    if (priority !== undefined) p.spec!.priority = priority;
    if (className) p.spec!.priorityClassName = className;
  });

const cases: [string, Pod, string | undefined, string, RegExp | undefined][] = [
  ["emptyDir is local storage", withVolumes("a", [{ name: "cache", emptyDir: {} }]), "  safetyFilters: {localStorage: true}", policy(), /^protected: local storage \(emptyDir cache\): safetyFilters\.localStorage$/],
  ["hostPath is local storage", withVolumes("a", [{ name: "logs", hostPath: { path: "/var/log" } }]), "  safetyFilters: {localStorage: true}", policy(), /hostPath logs/],
  ["a PVC is not local storage", withVolumes("a", [{ name: "data", persistentVolumeClaim: { claimName: "data-0" } }]), "  safetyFilters: {localStorage: true}", policy(), undefined],
  ["a PVC with the PVC filter", withVolumes("a", [{ name: "data", persistentVolumeClaim: { claimName: "data-0" } }]), "  safetyFilters: {persistentVolumeClaims: true}", policy(), /PersistentVolumeClaims \(data-0\): safetyFilters\.persistentVolumeClaims/],
  ["local storage without the filter (off by default)", withVolumes("a", [{ name: "cache", emptyDir: {} }]), undefined, policy(), undefined],
  ["the policy turns the settings' filter off", withVolumes("a", [{ name: "cache", emptyDir: {} }]), "  safetyFilters: {localStorage: true}", policy(", safetyFilters: {localStorage: false}"), undefined],
  ["the policy turns a filter on", withVolumes("a", [{ name: "cache", emptyDir: {} }]), undefined, policy(", safetyFilters: {localStorage: true}"), /local storage/],
  ["priority exactly at the threshold is protected (>=, as descheduler)", withPriority("a", 1000), "  safetyFilters: {priorityThreshold: {value: 1000}}", policy(), /^protected: priority 1000 >= threshold 1000: safetyFilters\.priorityThreshold$/],
  ["priority one under the threshold is not", withPriority("a", 999), "  safetyFilters: {priorityThreshold: {value: 1000}}", policy(), undefined],
  ["no priority is below any threshold (as descheduler)", withPriority("a", undefined), "  safetyFilters: {priorityThreshold: {value: 0}}", policy(), undefined],
  ["threshold by class name, resolved from PriorityClasses", withPriority("a", 5000), "  safetyFilters: {priorityThreshold: {className: important}}", policy(), /priority 5000 >= threshold 5000 \(class important\)/],
  ["threshold by an unknown class name protects (in doubt, nothing)", withPriority("a", 1), "  safetyFilters: {priorityThreshold: {className: missing}}", policy(), /priority threshold class missing not found/],
];
for (const [name, pod, settings, pol, expected] of cases) {
  test(`safety filter: ${name}`, async () => {
    const plan = await planOf(pol, [pod], { ...(settings ? { settings } : {}), priorityClasses: new Map([["important", 5000]]) });
    if (expected === undefined) {
      assert.equal(plan.actions.length, 1, JSON.stringify(plan.skipped));
    } else {
      assert.equal(plan.actions.length, 0);
      assert.match(plan.skipped[0]!.reason, expected);
    }
  });
}

test("every filter that holds is listed, with the global protections", async () => {
  const pod = crashing("a", (p) => {
    p.spec!.volumes = [{ name: "cache", emptyDir: {} }, { name: "data", persistentVolumeClaim: { claimName: "d" } }];
    p.spec!.priority = 10;
    p.metadata!.ownerReferences = [];
  });
  const plan = await planOf(policy(), [pod], { settings: "  safetyFilters: {localStorage: true, persistentVolumeClaims: true, priorityThreshold: {value: 10}}" });
  const reason = plan.skipped[0]!.reason;
  for (const part of [/bare pod/, /safetyFilters\.localStorage/, /safetyFilters\.persistentVolumeClaims/, /safetyFilters\.priorityThreshold/]) assert.match(reason, part);
});

test("maxActionsPerNode 1: one pod per node planned, the others skipped saying how full the node is", async () => {
  const pods = [crashing("a1", (p) => (p.spec!.nodeName = "n1")), crashing("a2", (p) => (p.spec!.nodeName = "n1")), crashing("b1", (p) => (p.spec!.nodeName = "n2")), crashing("u", (p) => delete p.spec!.nodeName)];
  const plan = await planOf(policy(), pods, { settings: "  maxActionsPerNode: 1" });
  assert.deepEqual(plan.actions.map((a) => a.target.name).sort(), ["a1", "b1", "u"]);
  assert.deepEqual(plan.skipped.map((s) => `${s.target.name}: ${s.reason}`), ["a2: limit: maxActionsPerNode 1 (1 planned on n1)"]);
});

test("safetyFilters: a priority threshold with both value and className is a config error", async () => {
  await assert.rejects(planOf(policy(), [], { settings: "  safetyFilters: {priorityThreshold: {value: 1, className: x}}" }), /give value or className, not both/);
});

// An object whose age is unknown (no creation time, or one that does not parse) or in the future
// satisfies no condition of any kind: not only the age conditions, but node health, restarts,
// reasons, TTLs and lingering sidecars too. Clock skew is not evidence.
import { test } from "node:test";
import assert from "node:assert/strict";
import { configSchema } from "../../src/config/schema.ts";
import { evaluatePolicy } from "../../src/policies/pods/evaluate.ts";
import { evaluateNamespacePolicy } from "../../src/policies/namespaces/evaluate.ts";
import { evaluateSidecarPolicy } from "../../src/policies/sidecars/evaluate.ts";
import { nodeHealth } from "../../src/policies/verdict.ts";
import { namespaceInfo } from "../../src/cluster/view.ts";
import type { NamespacePolicy, PodPolicy, SidecarPolicy } from "../../src/config/schema.ts";
import { buildNamespace, buildNode, buildPod, hours, iso, T0, terminated, waiting } from "../fixtures/builders.ts";

const parsed = configSchema.parse({
  policies: [
    { name: "restarts", target: "pods", when: { restarts: { atLeast: 1 } }, action: "delete" },
    { name: "exit-codes", target: "pods", when: { exitCodes: { in: [1] } }, action: "delete" },
    { name: "reasons", target: "pods", when: { reasons: ["Error"] }, action: "delete" },
    { name: "phases", target: "pods", when: { phases: ["Running"] }, action: "delete" },
    { name: "older-than", target: "pods", when: { olderThan: "1m" }, action: "delete" },
    { name: "lifetime-over", target: "pods", when: { lifetimeOver: "1m" }, action: "delete" },
    { name: "unready-for", target: "pods", when: { unreadyFor: "1m" }, action: "delete" },
    { name: "node-unhealthy-for", target: "pods", when: { nodeUnhealthyFor: "10m" }, action: "delete" },
    { name: "lingering", target: "sidecars", sidecars: { names: ["side"] }, when: { lingeringFor: "1m" }, action: "terminate" },
    { name: "ttl", target: "namespaces", when: { ttl: "1m" }, action: "deleteNamespace" },
    { name: "expires", target: "namespaces", when: { expires: true }, action: "deleteNamespace" },
    { name: "pods-succeeded", target: "namespaces", when: { podsSucceeded: { allowNone: true } }, action: "deleteNamespace" },
  ],
});

// A pod that every pod policy would take, on a node gone NotReady 2h ago.
const eligiblePod = () =>
  buildPod({ name: "w-1", restarts: 3, ready: false, readyFor: hours(2), state: waiting("CrashLoopBackOff"), lastState: terminated(1), age: hours(5) }, (p) => {
    p.spec!.restartPolicy = "Never";
    p.spec!.containers!.push({ name: "side", image: "registry.local/side:1" });
    p.status!.containerStatuses!.push({ name: "side", state: { running: { startedAt: iso(T0 - hours(5)) } } });
    p.status!.containerStatuses![0]!.state = terminated(1);
    p.status!.containerStatuses![0]!.state!.terminated!.finishedAt = iso(T0 - hours(2));
  });
const ctx = { now: T0, nodes: new Map([["node-1", nodeHealth(buildNode("node-1", "False", hours(2)))]]), namespaces: undefined };
const nsCtx = { now: T0, podCounts: () => ({ total: 0, succeeded: 0, failed: 0 }) };

const AGES: [string, string | undefined][] = [
  ["no creation time", undefined],
  ["a creation time that does not parse", "yesterday"],
  ["a creation time in the future", iso(T0 + hours(1))],
];

test("the eligible objects are taken by every policy when their age is known (the control)", () => {
  for (const policy of parsed.policies) {
    if (policy.target === "pods") assert.equal(evaluatePolicy(eligiblePod(), policy as PodPolicy, ctx).matched, true, policy.name);
    if (policy.target === "sidecars") assert.equal(evaluateSidecarPolicy(eligiblePod(), policy as SidecarPolicy, ctx).matched, true, policy.name);
    if (policy.target === "namespaces") {
      const ns = namespaceInfo(buildNamespace("preview-1", {}, { "kube-sweeper.io/expires": iso(T0 - hours(1)) }));
      assert.equal(evaluateNamespacePolicy(ns, policy as NamespacePolicy, 0, nsCtx).matched, true, policy.name);
    }
  }
});

for (const [ageName, created] of AGES) {
  for (const policy of parsed.policies) {
    test(`${policy.target} ${policy.name}: ${ageName} satisfies no condition`, () => {
      if (policy.target === "namespaces") {
        const ns = namespaceInfo(buildNamespace("preview-1", {}, { "kube-sweeper.io/expires": iso(T0 - hours(1)) }));
        ns.creationTimestamp = created;
        const evaluation = evaluateNamespacePolicy(ns, policy as NamespacePolicy, 0, nsCtx);
        assert.equal(evaluation.matched, false);
        assert.ok(evaluation.conditions.some((c) => c.check === "age" && !c.holds && /no condition holds/.test(c.reason)), JSON.stringify(evaluation.conditions));
        return;
      }
      const pod = eligiblePod();
      if (created === undefined) delete pod.metadata!.creationTimestamp;
      else pod.metadata!.creationTimestamp = created;
      const evaluation = policy.target === "pods" ? evaluatePolicy(pod, policy as PodPolicy, ctx) : evaluateSidecarPolicy(pod, policy as SidecarPolicy, ctx);
      assert.equal(evaluation.matched, false);
      assert.ok(evaluation.conditions.some((c) => c.check === "age" && !c.holds && /no condition holds/.test(c.reason)), JSON.stringify(evaluation.conditions));
    });
  }
}

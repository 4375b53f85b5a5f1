import { test } from "node:test";
import assert from "node:assert/strict";
import { podProtections, protectionsFor, type ProtectionContext } from "../../src/plan/protections.ts";
import { buildNamespace, buildPod } from "../fixtures/builders.ts";
import { namespaceInfo } from "../../src/cluster/view.ts";
import type { Pod } from "../../src/core/k8s.ts";

const ctx: ProtectionContext = {
  protectedNamespaces: new Set(["kube-system"]),
  namespaces: new Map([["shielded", namespaceInfo(buildNamespace("shielded", {}, { "kube-sweeper.io/protect": "true" }))]]),
  self: { namespace: "ops", name: "kube-sweeper-123" },
};

const reasons = (pod: Pod) => podProtections(pod, ctx).map((p) => p.reason);

const cases: [string, Pod, RegExp | undefined][] = [
  ["a ReplicaSet pod in apps is not protected", buildPod({ name: "w-1" }), undefined],
  ["protected namespace", buildPod({ name: "w-1", namespace: "kube-system" }), /^protected namespace kube-system$/],
  ["annotated pod", buildPod({ name: "w-1", annotations: { "kube-sweeper.io/protect": "true" } }), /annotated kube-sweeper.io\/protect=true/],
  ["annotated namespace", buildPod({ name: "w-1", namespace: "shielded" }), /namespace shielded annotated/],
  ["mirror pod", buildPod({ name: "etcd-n1", owner: { kind: "Node", name: "n1" }, annotations: { "kubernetes.io/config.mirror": "abc" } }), /mirror \(static\) pod/],
  ["terminating pod", buildPod({ name: "w-1" }, (p) => (p.metadata!.deletionTimestamp = "2026-11-21T09:59:00Z")), /already terminating/],
  ["the sweeper's own pod", buildPod({ name: "kube-sweeper-123", namespace: "ops" }), /the sweeper's own pod/],
  ["DaemonSet pod", buildPod({ name: "agent-x", owner: { kind: "DaemonSet", name: "agent" } }), /DaemonSet pod \(agent\)/],
  ["system-critical class", buildPod({ name: "w-1" }, (p) => (p.spec!.priorityClassName = "system-node-critical")), /system-critical priority/],
  ["system-critical priority value", buildPod({ name: "w-1" }, (p) => (p.spec!.priority = 2_000_001_000)), /system-critical priority/],
  ["bare pod", buildPod({ name: "w-1", owner: null }), /bare pod/],
  ["pod without uid", buildPod({ name: "w-1" }, (p) => delete p.metadata!.uid), /incomplete object \(missing metadata\.uid\)/],
];

for (const [name, pod, expected] of cases) {
  test(`protection: ${name}`, () => {
    const found = reasons(pod);
    if (expected === undefined) assert.deepEqual(found, []);
    else assert.ok(found.some((r) => expected.test(r)), found.join("; "));
  });
}

test("every protection that holds is listed, not just the first", () => {
  const pod = buildPod({ name: "w-1", namespace: "kube-system", owner: null, annotations: { "kube-sweeper.io/protect": "true" } });
  assert.equal(reasons(pod).length, 3, reasons(pod).join("; "));
});

test("ignoreProtections lifts only the named opt-outs", () => {
  const pod = buildPod({ name: "w-1", namespace: "kube-system", owner: null });
  const left = protectionsFor(podProtections(pod, ctx), ["bare-pods"]).map((p) => p.reason);
  assert.deepEqual(left, ["protected namespace kube-system"]);
});

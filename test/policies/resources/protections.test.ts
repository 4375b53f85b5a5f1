// Every protection of a resource target, each listed when it holds.
import { test } from "node:test";
import assert from "node:assert/strict";
import { resourceProtections, resourceProtectionsFor } from "../../../src/policies/resources/protections.ts";
import { resourceObject, type KubeObject } from "../../../src/policies/resources/context.ts";
import type { ResourceKind } from "../../../src/cluster/discovery.ts";
import { namespaceInfo } from "../../../src/cluster/view.ts";
import { buildNamespace, buildObject } from "../../fixtures/builders.ts";

const kind = (group: string, resource: string, k: string, namespaced = true): ResourceKind => ({ group, version: "v1", resource, kind: k, namespaced, verbs: ["list", "delete"] });
const CM = kind("", "configmaps", "ConfigMap");
const SA = kind("", "serviceaccounts", "ServiceAccount");
const SECRET = kind("", "secrets", "Secret");
const LEASE = kind("coordination.k8s.io", "leases", "Lease");
const CLUSTERROLE = kind("rbac.authorization.k8s.io", "clusterroles", "ClusterRole", false);
const RS = kind("apps", "replicasets", "ReplicaSet");

const ctx = {
  protectedNamespaces: new Set(["kube-system", "kube-public", "kube-node-lease", "payments"]),
  namespaces: new Map([["frozen", namespaceInfo(buildNamespace("frozen", {}, { "kube-sweeper.io/protect": "true" }))]]),
  lock: { namespace: "ops", name: "kube-sweeper" },
};
const reasons = (k: ResourceKind, o: KubeObject) => resourceProtections(resourceObject(o, k), ctx).map((p) => p.reason);

const cases: [string, ResourceKind, KubeObject, RegExp | undefined][] = [
  ["an ordinary ConfigMap has none", CM, buildObject("v1", "ConfigMap", "settings"), undefined],
  ["kube-root-ca.crt is relied on", CM, buildObject("v1", "ConfigMap", "kube-root-ca.crt"), /the cluster relies on it: the API server's CA bundle/],
  ["a default ServiceAccount is relied on", SA, buildObject("v1", "ServiceAccount", "default"), /default ServiceAccount/],
  ["a service account token Secret is relied on", SECRET, buildObject("v1", "Secret", "builder-token-abcde", { annotations: { "kubernetes.io/service-account.name": "builder" } }, { type: "kubernetes.io/service-account-token" }), /service account token \(builder\)/],
  ["an Opaque Secret has none", SECRET, buildObject("v1", "Secret", "creds", {}, { type: "Opaque" }), undefined],
  ["a default RBAC object is relied on", CLUSTERROLE, buildObject("rbac.authorization.k8s.io/v1", "ClusterRole", "view", { namespace: null, labels: { "kubernetes.io/bootstrapping": "rbac-defaults" } }), /rbac-defaults/],
  ["a cluster-scoped system: object is relied on", CLUSTERROLE, buildObject("rbac.authorization.k8s.io/v1", "ClusterRole", "system:controller:foo", { namespace: null }), /system: prefix/],
  ["kube-sweeper's own lock", LEASE, buildObject("coordination.k8s.io/v1", "Lease", "kube-sweeper", { namespace: "ops" }), /kube-sweeper's own lock/],
  ["a protected namespace from settings", CM, buildObject("v1", "ConfigMap", "x", { namespace: "payments" }), /protected namespace payments/],
  ["kube-system is always protected", CM, buildObject("v1", "ConfigMap", "x", { namespace: "kube-system" }), /protected namespace kube-system/],
  ["the protect annotation on the object", CM, buildObject("v1", "ConfigMap", "x", { annotations: { "kube-sweeper.io/protect": "true" } }), /annotated kube-sweeper.io\/protect=true/],
  ["the protect annotation on its namespace", CM, buildObject("v1", "ConfigMap", "x", { namespace: "frozen" }), /namespace frozen annotated kube-sweeper.io\/protect=true/],
  ["an object being deleted", CM, { ...buildObject("v1", "ConfigMap", "x"), metadata: { ...buildObject("v1", "ConfigMap", "x").metadata, deletionTimestamp: "2026-11-21T09:00:00Z" } }, /already being deleted/],
  ["an owned ReplicaSet", RS, buildObject("apps/v1", "ReplicaSet", "web-5d4f", { owner: { kind: "Deployment", name: "web" } }), /owned by Deployment web \(controller\)/],
  ["an incomplete object", CM, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x", namespace: "apps" } }, /incomplete object \(missing metadata.uid, metadata.creationTimestamp\)/],
];
for (const [name, k, o, reason] of cases) {
  test(`resource protections: ${name}`, () => {
    const got = reasons(k, o);
    if (reason) assert.match(got.join("; "), reason);
    else assert.deepEqual(got, []);
  });
}

test("resource protections: every one that holds is listed, and only owned can be opted out of", () => {
  const o = buildObject("apps/v1", "ReplicaSet", "web-5d4f", { namespace: "payments", owner: { kind: "Deployment", name: "web" }, annotations: { "kube-sweeper.io/protect": "true" } });
  const all = resourceProtections(resourceObject(o, RS), ctx);
  assert.equal(all.length, 3);
  assert.deepEqual(resourceProtectionsFor(all, ["owned"]).map((p) => p.reason), ["protected namespace payments", "annotated kube-sweeper.io/protect=true"]);
});

// Discovery of built-in and custom kinds, and resolving a config's `kinds` against it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { resolveKinds, resourcesOf, type ResourceKind } from "../../src/cluster/discovery.ts";
import { startFakeApiServer } from "../fake-apiserver/server.ts";
import { buildObject, hours } from "../fixtures/builders.ts";
import { runCli, writeConfig } from "../helpers/cli.ts";
import { parseReport } from "../helpers/report-shape.ts";

const ALL = ["create", "delete", "get", "list", "patch", "update", "watch"];
const served: ResourceKind[] = [
  ...resourcesOf("", "v1", {
    resources: [
      { name: "pods", kind: "Pod", namespaced: true, verbs: ALL, shortNames: ["po"] },
      { name: "pods/eviction", kind: "Eviction", namespaced: true, verbs: ["create"] },
      { name: "configmaps", singularName: "configmap", kind: "ConfigMap", namespaced: true, verbs: ALL, shortNames: ["cm"] },
      { name: "persistentvolumeclaims", kind: "PersistentVolumeClaim", namespaced: true, verbs: ALL, shortNames: ["pvc"] },
      { name: "namespaces", kind: "Namespace", namespaced: false, verbs: ALL },
      { name: "nodes", kind: "Node", namespaced: false, verbs: ALL },
      { name: "events", kind: "Event", namespaced: true, verbs: ALL },
      { name: "componentstatuses", kind: "ComponentStatus", namespaced: false, verbs: ["get", "list"] },
    ],
  }),
  ...resourcesOf("apps", "v1", { resources: [{ name: "deployments", kind: "Deployment", namespaced: true, verbs: ALL, shortNames: ["deploy"] }, { name: "deployments/scale", kind: "Scale", namespaced: true, verbs: ["get", "patch"] }] }),
  ...resourcesOf("events.k8s.io", "v1", { resources: [{ name: "events", kind: "Event", namespaced: true, verbs: ALL }] }),
  ...resourcesOf("apiextensions.k8s.io", "v1", { resources: [{ name: "customresourcedefinitions", kind: "CustomResourceDefinition", namespaced: false, verbs: ALL, shortNames: ["crd"] }] }),
  ...resourcesOf("example.com", "v1", { resources: [{ name: "widgets", singularName: "widget", kind: "Widget", namespaced: true, verbs: ALL }] }),
  ...resourcesOf("other.io", "v1", { resources: [{ name: "widgets", kind: "Widget", namespaced: false, verbs: ALL }] }),
];
const q = (k: ResourceKind) => (k.group ? `${k.resource}.${k.group}` : k.resource);

const cases: [string, string[], string[], RegExp?][] = [
  ["resource.group: deployments.apps", ["deployments.apps"], ["deployments.apps"]],
  ["a core resource: configmaps", ["configmaps"], ["configmaps"]],
  ["a custom resource: widgets.example.com", ["widgets.example.com"], ["widgets.example.com"]],
  ["a Kind as kubectl takes it: Deployment", ["Deployment"], ["deployments.apps"]],
  ["a short name: pvc, deploy", ["pvc", "deploy"], ["persistentvolumeclaims", "deployments.apps"]],
  ["a singular name with its group: widget.example.com", ["widget.example.com"], ["widgets.example.com"]],
  ["a bare name served by core and another group: core wins (events)", ["events"], ["events"]],
  ["a bare name served by two other groups is ambiguous", ["widgets"], [], /ambiguous: the server serves widgets.example.com, widgets.other.io/],
  ["not served: gizmos.example.com", ["gizmos.example.com"], [], /kind "gizmos.example.com": not served by this API server/],
  ["pods have their own target", ["pods"], [], /pods have their own target/],
  ["namespaces have their own target", ["ns", "namespaces"], [], /namespaces have their own target/],
  ["CRDs are never targets", ["crd"], [], /deleting a CustomResourceDefinition deletes every object of its kind/],
  ["a kind without delete is refused", ["componentstatuses"], [], /does not support delete/],
  ["a subresource is not a kind", ["deployments/scale"], [], /not served/],
];
for (const [name, requested, kinds, problem] of cases) {
  test(`resolveKinds: ${name}`, () => {
    const resolved = resolveKinds(requested, served);
    assert.deepEqual(resolved.kinds.map(q), kinds);
    if (problem) assert.match(resolved.problems.join("\n"), problem);
    else assert.deepEqual(resolved.problems, []);
  });
}

test("resolveKinds: * is every kind with list and delete, except own-target kinds, nodes, CRDs and subresources", () => {
  const resolved = resolveKinds(["*"], served);
  assert.deepEqual(resolved.kinds.map(q).sort(), ["configmaps", "deployments.apps", "events", "events.events.k8s.io", "persistentvolumeclaims", "widgets.example.com", "widgets.other.io"]);
  assert.deepEqual(resolved.problems, []);
});

test("discovery from the API server: a custom kind served only in a non-preferred version is found there; an unavailable group is warned about", async () => {
  const server = await startFakeApiServer({
    customResources: [
      { group: "example.com", version: "v1", resource: "widgets", kind: "Widget", namespaced: true },
      { group: "example.com", version: "v1beta1", resource: "gadgets", kind: "Gadget", namespaced: true },
      { group: "metrics.example.io", version: "v1beta1", resource: "samples", kind: "Sample", namespaced: true },
    ],
    unavailableGroupVersions: ["metrics.example.io/v1beta1"],
    objects: [buildObject("example.com/v1beta1", "Gadget", "g-old", { now: Date.now(), age: hours(3), annotations: { "janitor/ttl": "1h" } }), buildObject("example.com/v1", "Widget", "w-old", { now: Date.now(), age: hours(3), annotations: { "janitor/ttl": "1h" } })],
  });
  try {
    const config = writeConfig(`policies:\n  - {name: ttl, target: resources, match: {kinds: [gadgets.example.com, Widget, samples.metrics.example.io]}, when: {ttl: forever}, action: delete}\n`);
    const result = await runCli(["plan", "-o", "json", "-c", config, "--kubeconfig", server.kubeconfig(), "--retries", "1"]);
    assert.equal(result.code, 0, result.stderr);
    const report = parseReport(result.stdout);
    assert.deepEqual(report.actions.map((a) => `${(a.target as { apiVersion?: string }).apiVersion} ${a.target.kind} ${a.target.name}`).sort(), ["example.com/v1 Widget w-old", "example.com/v1beta1 Gadget g-old"]);
    assert.match(result.stderr, /discovery: \/apis\/metrics.example.io\/v1beta1 did not answer \(HTTP 503\)/);
    assert.match(result.stderr, /policy ttl: match.kinds: kind "samples.metrics.example.io": not served/);
    assert.ok(server.requests.some((r) => r.path === "/apis/example.com/v1beta1/gadgets"), "listed at the version that serves it");

    // validate: offline it cannot know; with --check-cluster an unknown kind is a config error with its path.
    assert.equal((await runCli(["validate", "-c", config])).code, 0);
    const checked = await runCli(["validate", "--check-cluster", "-c", config, "--kubeconfig", server.kubeconfig(), "--retries", "1"]);
    assert.equal(checked.code, 2, checked.stdout);
    assert.match(checked.stderr, /^kube-sweeper: policies\[0\]\.match\.kinds: kind "samples.metrics.example.io": not served by this API server/m);
    const good = writeConfig(`policies:\n  - {name: ttl, target: resources, match: {kinds: [gadgets.example.com, deploy]}, when: {ttl: forever}, action: delete}\n`);
    const ok = await runCli(["validate", "--check-cluster", "-c", good, "--kubeconfig", server.kubeconfig(), "--retries", "1"]);
    assert.equal(ok.code, 0, ok.stderr);
  } finally {
    await server.close();
  }
});

test("validate (offline): a built-in kind that is never a target is a config error with its path", async () => {
  const config = writeConfig(`policies:\n  - {name: x, target: resources, match: {kinds: [configmaps, po, customresourcedefinitions.apiextensions.k8s.io]}, when: {olderThan: 1d}, action: delete}\n`);
  const result = await runCli(["validate", "-c", config]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /policies\[0\]\.match\.kinds\[1\]: "po": pods have their own target/);
  assert.match(result.stderr, /policies\[0\]\.match\.kinds\[2\]: .*deleting a CustomResourceDefinition/);
  assert.doesNotMatch(result.stderr, /kinds\[0\]/);
});

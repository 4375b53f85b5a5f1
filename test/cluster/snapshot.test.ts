import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { readSnapshot } from "../../src/cluster/snapshot.ts";
import { UsageError } from "../../src/errors.ts";
import { asList, buildNamespace, buildNode, buildPod } from "../fixtures/builders.ts";

const scope = { namespaces: undefined as string[] | undefined, readPods: true, namespaceManagers: false, needNodes: false, needNamespaces: false, podFieldSelector: undefined };

function file(text: string, name = "snap.json"): string {
  const path = join(mkdtempSync(join(tmpdir(), "ks-snap-")), name);
  writeFileSync(path, text);
  return path;
}

async function podNames(path: string, namespaces?: string[]) {
  const view = await readSnapshot(path, { ...scope, namespaces });
  const names: string[] = [];
  for await (const page of view.podPages()) names.push(...page.items.map((p) => p.metadata!.name!));
  return { view, names };
}

/** YAML as kubectl -o yaml writes it: a block sequence under items at column 0. */
const kubectlYaml = (value: unknown) => stringify(value, { indentSeq: false, lineWidth: 0 });

test("a kubectl List with pods, nodes and namespaces", async () => {
  const { view, names } = await podNames(file(JSON.stringify(asList([buildNamespace("apps"), buildNode("n1"), buildPod({ name: "a-1" }), buildPod({ name: "b-1" })]))));
  assert.deepEqual(names, ["a-1", "b-1"]);
  assert.equal(view.nodes?.get("n1")?.ready, "True");
  assert.equal(view.namespaces?.has("apps"), true);
});

test("several documents one after another, including a typed PodList whose items lack kind", async () => {
  const pod = buildPod({ name: "c-1" });
  delete pod.kind;
  const text = `${JSON.stringify({ kind: "PodList", items: [pod] })}\n${JSON.stringify(buildPod({ name: "d-1", namespace: "other" }))}\n`;
  const { view, names } = await podNames(file(text));
  assert.deepEqual(names, ["c-1", "d-1"]);
  // No Node objects: node facts are unknown, never "every node is gone".
  assert.equal(view.nodes, undefined);
});

test("a typed list whose kind comes after its items still gives them its kind", async () => {
  const pod = buildPod({ name: "late-1" });
  delete pod.kind;
  assert.deepEqual((await podNames(file(`{"items":[${JSON.stringify(pod)}],"kind":"PodList"}`))).names, ["late-1"]);
});

test("-n narrows the snapshot's pods", async () => {
  const text = JSON.stringify(asList([buildPod({ name: "a-1" }), buildPod({ name: "x-1", namespace: "other" })]));
  assert.deepEqual((await podNames(file(text), ["other"])).names, ["x-1"]);
});

test("strings with braces, brackets and escaped quotes do not confuse the document splitter", async () => {
  const pod = buildPod({ name: "q-1", annotations: { note: '}{"x] [items' } });
  const { names } = await podNames(file(`${JSON.stringify(asList([pod]))} ${JSON.stringify(asList([buildPod({ name: "q-2" })]))}`));
  assert.deepEqual(names, ["q-1", "q-2"]);
});

test("duplicated entries are one object: the same pod twice (same uid, or same namespace and name) is handed out once", async () => {
  const pod = buildPod({ name: "dup-1" });
  const renamed = structuredClone(pod);
  renamed.metadata!.uid = "another-uid";
  const node = buildNode("n1");
  const text = `${JSON.stringify(asList([pod, pod, node]))}\n${JSON.stringify(pod)}\n${JSON.stringify(asList([renamed, node, buildPod({ name: "dup-2" })]))}`;
  const { view, names } = await podNames(file(text));
  assert.deepEqual(names, ["dup-1", "dup-2"]);
  assert.equal(view.nodes?.size, 1);
});

test("kubectl -o yaml: the same objects as the JSON dump, kubectl's layout and an indented one, several documents", async () => {
  const pod = buildPod({ name: "y-1", annotations: { script: "line one\n\n  line three: x\n- not an item" } });
  const list = asList([buildNamespace("apps"), buildNode("n1", "False"), pod, buildPod({ name: "y-2", namespace: "other" })]);
  const fromJson = await podNames(file(JSON.stringify(list)));
  for (const yaml of [kubectlYaml(list), stringify(list, { indentSeq: true }), `${kubectlYaml(asList([pod]))}---\n${kubectlYaml(asList(list.items.filter((i) => i !== pod)))}`]) {
    const fromYaml = await podNames(file(yaml, "snap.yaml"));
    assert.deepEqual(fromYaml.names, fromJson.names);
    assert.deepEqual(fromYaml.view.nodes, fromJson.view.nodes);
    assert.deepEqual(fromYaml.view.namespaces, fromJson.view.namespaces);
  }
  const pods: unknown[] = [];
  for await (const page of (await readSnapshot(file(kubectlYaml(list), "snap.yaml"), scope)).podPages()) pods.push(...page.items);
  assert.deepEqual(pods[0], pod, "a YAML item parses to exactly the object the JSON holds");
});

// A file whose structure is wrong is an error (exit 2, one line), never zero objects.
for (const [name, text, expected] of [
  ["items that are not an array", '{"kind":"List","items":{"a":{"kind":"Pod"}}}', /document 1: not a Kubernetes List: its items are an object, not a list/],
  ['"items": null', '{"kind":"List","items":null}', /its items are null, not a list/],
  ["a List without items", '{"kind":"List","metadata":{}}', /it has no items/],
  ["a top-level array", JSON.stringify([buildPod({ name: "a-1" })]), /not a Kubernetes List: the top level is a list/],
  ["an item that is not an object", '{"kind":"List","items":[{"kind":"Pod"},null]}', /items\[1\] is null, not an object/],
  ["items whose kind is not a List", '{"kind":"Pod","items":[]}', /kind "Pod" is not a List/],
  ["{}", "{}", /document 1: not a Kubernetes List or object \(no kind\)/],
  ["a Status", '{"kind":"Status","status":"Failure","message":"forbidden"}', /a Status/],
  ["a second document that is broken", `${JSON.stringify(asList([buildPod({ name: "a-1" })]))}\n{"items": 5}`, /document 2: not a Kubernetes List/],
  ["YAML: a top-level sequence", "- kind: Pod\n  metadata: {name: a}\n", /:1: not a Kubernetes List: the top level is a list/],
  ["YAML: items: null", "apiVersion: v1\nitems:\nkind: List\n", /its items are null, not a list/],
  ["YAML: an item that is a number", "apiVersion: v1\nitems:\n- 5\nkind: List\n", /:3: not a Kubernetes List: items\[0\] is a number, not an object/],
  ["YAML: a scalar", "hello\n", /not a Kubernetes List or object/],
  ["YAML: broken item", "apiVersion: v1\nitems:\n- kind: Pod\n  metadata: {name: [\nkind: List\n", /:3: not YAML/],
  ["truncated JSON", '{"kind":"List","items":[', /truncated JSON document/],
  ["empty file", "", /empty file/],
  ["bad JSON inside braces", '{"kind": List}', /not JSON/],
] as const) {
  test(`snapshot error: ${name}`, async () => {
    await assert.rejects(async () => podNames(file(text)), (e: unknown) => e instanceof UsageError && expected.test(e.message) && !e.message.includes("\n"));
  });
}

test("snapshot error: missing file", async () => {
  await assert.rejects(async () => podNames("/nonexistent/snap.json"), /cannot read \(no such file\)/);
});

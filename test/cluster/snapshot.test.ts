import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseJsonDocuments, readSnapshot } from "../../src/cluster/snapshot.ts";
import { UsageError } from "../../src/errors.ts";
import { asList, buildNamespace, buildNode, buildPod } from "../fixtures/builders.ts";

const scope = { namespaces: undefined as string[] | undefined, readPods: true, namespaceManagers: false, needNodes: false, needNamespaces: false, podFieldSelector: undefined };

function file(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), "ks-snap-")), "snap.json");
  writeFileSync(path, text);
  return path;
}

async function podNames(path: string, namespaces?: string[]) {
  const view = readSnapshot(path, { ...scope, namespaces });
  const names: string[] = [];
  for await (const page of view.podPages()) names.push(...page.items.map((p) => p.metadata!.name!));
  return { view, names };
}

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

test("-n narrows the snapshot's pods", async () => {
  const text = JSON.stringify(asList([buildPod({ name: "a-1" }), buildPod({ name: "x-1", namespace: "other" })]));
  assert.deepEqual((await podNames(file(text), ["other"])).names, ["x-1"]);
});

test("strings with braces and escaped quotes do not confuse the document splitter", () => {
  const docs = parseJsonDocuments('{"a":"}{\\"x"} [1,2]', "t");
  assert.deepEqual(docs, [{ a: '}{"x' }, [1, 2]]);
});

for (const [name, text, expected] of [
  ["YAML instead of JSON", "kind: List\nitems: []\n", /not JSON \(unexpected "k"/],
  ["truncated JSON", '{"kind":"List","items":[', /truncated JSON document/],
  ["empty file", "", /no JSON document found/],
  ["bad JSON inside braces", '{"kind": List}', /not JSON/],
] as const) {
  test(`snapshot error: ${name}`, () => {
    assert.throws(() => readSnapshot(file(text), scope), (e: unknown) => e instanceof UsageError && expected.test(e.message));
  });
}

test("snapshot error: missing file", () => {
  assert.throws(() => readSnapshot("/nonexistent/snap.json", scope), /cannot read \(no such file\)/);
});

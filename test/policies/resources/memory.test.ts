// What a plan of many resource targets keeps: the benchmark's 20,000 ConfigMaps with `unused` +
// `ttl` plan about 20,000 deletions, and each candidate must hold only its target and reasons,
// with the texts many share (the namespace, "ConfigMap referenced by no pod ... in ns", the age)
// held once, not once per object. Measured on the heap after a full collection.
import { test } from "node:test";
import assert from "node:assert/strict";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { parseConfigText } from "../../../src/config/load.ts";
import { collectResources } from "../../../src/policies/resources/collect.ts";
import type { ResourceKind } from "../../../src/cluster/discovery.ts";
import type { ResourceSource } from "../../../src/cluster/resource-reader.ts";
import type { KubeObject } from "../../../src/core/k8s.ts";
import { module as resources } from "../../../src/policies/resources/index.ts";
import { iso, T0 } from "../../fixtures/builders.ts";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const CONFIGMAPS: ResourceKind = { group: "", version: "v1", resource: "configmaps", kind: "ConfigMap", namespaced: true, verbs: ["list", "delete"] };
const PODS: ResourceKind = { group: "", version: "v1", resource: "pods", kind: "Pod", namespaced: true, verbs: ["list", "delete"] };
const OBJECTS = 20_000;
const NAMESPACES = 100;

/** Pages of 500 as the API gives them: each page parsed from its own JSON text, so every string is a fresh one. */
function source(): ResourceSource {
  return {
    live: true,
    served: async () => [CONFIGMAPS, PODS],
    async *pages(kind) {
      if (kind !== CONFIGMAPS) return;
      for (let first = 0; first < OBJECTS; first += 500) {
        const items = Array.from({ length: 500 }, (_, k) => {
          const i = first + k;
          return { apiVersion: "v1", kind: "ConfigMap", metadata: { name: `cm-${i}`, namespace: `bench-res-${String(i % NAMESPACES).padStart(3, "0")}`, uid: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`, creationTimestamp: iso(T0 - 60_000 - (i % 7) * 1000), labels: { app: `svc-${i % 40}` }, ...(i % 10 === 3 ? { annotations: { "janitor/ttl": "1s" } } : {}) }, data: { "settings.yaml": `key: value-${i}\n`.repeat(20) } };
        });
        yield { items: JSON.parse(JSON.stringify(items)) as KubeObject[], restarted: false };
      }
    },
  };
}

const config = parseConfigText(
  `policies:
  - {name: unused, target: resources, match: {kinds: [configmaps]}, when: {unused: true, olderThan: 1s}, action: delete}
  - {name: janitor-ttl, target: resources, match: {kinds: [configmaps]}, when: {ttl: forever}, action: delete}
`,
  "memory.yaml",
);
const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} } as never;

test("20,000 unused ConfigMaps in 100 namespaces: every one a candidate, each holding at most 320 bytes of heap (namespace and reasons shared, not held once per object)", async () => {
  gc();
  const before = process.memoryUsage().heapUsed;
  const collected = await collectResources({ source: source(), policies: resources.policiesOf(config), settings: config.settings, now: T0, namespaces: undefined, log: silent });
  gc();
  const held = process.memoryUsage().heapUsed - before;
  assert.equal(collected.evaluated, OBJECTS);
  assert.equal(collected.candidates.length, OBJECTS);
  const perCandidate = held / collected.candidates.length;
  assert.ok(perCandidate <= 320, `${perCandidate.toFixed(0)} bytes per candidate`);
  // The reasons are the same texts as before: the age with its numbers and the namespace.
  const c = collected.candidates.find((x) => x.target.name === "cm-3")!;
  assert.deepEqual(c.reasons, ["age 1m3s >= 1s", "ConfigMap referenced by no pod or pod template in bench-res-003", "first eligible policy in config order (also matched: janitor-ttl)"]);
});

// What the live read asks for before the pods, as the fake API server saw it: at a distance every
// request that waits for another costs a round trip, so the version, nodes, namespaces and the
// first page of pods go out together; the pods still come out only once the rest has been read,
// and a failure among the early reads is reported (in a fixed order) and closes the pod list.
import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { startFakeApiServer, type FakeApiServer, type FakeOptions } from "../fake-apiserver/server.ts";
import { buildNamespace, buildNode, buildPod } from "../fixtures/builders.ts";
import { apiPolicy } from "../../src/cluster/api-policy.ts";
import { jsonClient, type JsonClient } from "../../src/cluster/http.ts";
import { credentialsFor } from "../../src/cluster/kubeconfig-credentials.ts";
import { resolveConnection } from "../../src/cluster/kubeconfig.ts";
import { readLiveView } from "../../src/cluster/live.ts";
import type { ReadScope } from "../../src/cluster/view.ts";
import { createLogger } from "../../src/core/log.ts";
import { ClusterAccessError } from "../../src/errors.ts";

const SCOPE: ReadScope = { namespaces: undefined, readPods: true, namespaceManagers: false, needNodes: true, needNamespaces: true, podFieldSelector: undefined };
const log = createLogger("text", "error", () => undefined);
const EARLY = ["/version", "/api/v1/nodes", "/api/v1/namespaces"];

async function withClient(options: FakeOptions, body: (client: JsonClient, server: FakeApiServer) => Promise<void>) {
  const server = await startFakeApiServer({
    pods: Array.from({ length: 250 }, (_, i) => buildPod({ name: `p-${String(i).padStart(3, "0")}`, namespace: "team", node: "n1" })),
    nodes: [buildNode("n1")],
    namespaces: [buildNamespace("team")],
    ...options,
  });
  const connection = resolveConnection({ kubeconfig: server.kubeconfig(), env: {} });
  const client = await jsonClient(connection, credentialsFor(connection), apiPolicy({ timeoutMs: 10_000, qps: 0, burst: 1, retry: { attempts: 1, baseMs: 10, capMs: 50 } }));
  try {
    await body(client, server);
  } finally {
    client.close();
    await server.close();
  }
}

test("the version, nodes, namespaces and the first page of pods are all asked for before any of them is answered; the pods come out whole and in order", () =>
  // Each early read takes 300 ms to answer: one after the other they would arrive 300 ms apart.
  withClient({ delayMs: (r) => (EARLY.includes(r.path) ? 300 : 0) }, async (client, server) => {
    const view = await readLiveView({ client, scope: SCOPE, log, pageLimit: 100 });
    assert.equal(view.nodes?.get("n1")?.ready, "True");
    assert.equal(view.namespaces?.has("team"), true);
    const first = server.requests.filter((r) => r.path === "/api/v1/pods" && !r.query.has("continue"));
    assert.equal(first.length, 1);
    const early = server.requests.filter((r) => EARLY.includes(r.path));
    // The server notes an answer as finished just after its last byte went out.
    for (let i = 0; i < 50 && early.some((r) => r.doneAt === undefined); i++) await sleep(20);
    assert.deepEqual(early.map((r) => r.path).sort(), [...EARLY].sort());
    const firstAnswer = Math.min(...early.map((r) => r.doneAt!));
    for (const r of [...early, first[0]!]) assert.ok(r.at < firstAnswer, `${r.path} was asked for ${r.at - firstAnswer} ms after the first early answer`);
    const names: string[] = [];
    for await (const page of view.podPages()) names.push(...page.items.map((p) => p.metadata!.name!));
    assert.deepEqual(names, Array.from({ length: 250 }, (_, i) => `p-${String(i).padStart(3, "0")}`));
  }));

test("a failed early read is the error (the first in a fixed order, whichever failed first), and the pod list asked for with it is closed", async () => {
  // Nodes refused at once, the version only after 200 ms: the version's failure is still the one said.
  for (const [options, message] of [
    [{ forbid: [{ verb: "list", resource: "nodes" }] }, /cannot list \/api\/v1\/nodes: HTTP 403/],
    [{ forbid: [{ verb: "list", resource: "nodes" }], delayMs: (r) => (r.path === "/version" ? 200 : 0), intercept: (r, res) => r.path === "/version" && (res.writeHead(500).end("{}"), true) }, /cannot read the server version: HTTP 500/],
  ] as [FakeOptions, RegExp][]) {
    await withClient(options, async (client, server) => {
      await assert.rejects(readLiveView({ client, scope: SCOPE, log, pageLimit: 100 }), (error: Error) => error instanceof ClusterAccessError && message.test(error.message));
      for (let i = 0; i < 50 && server.requests.some((r) => r.path === "/api/v1/pods" && r.doneAt === undefined); i++) await sleep(20);
      assert.deepEqual(server.requests.filter((r) => r.path === "/api/v1/pods" && r.doneAt === undefined).length, 0, "the pod list was left open");
      // Nothing was asked for after the first page: the list was not read on.
      assert.equal(server.requests.filter((r) => r.path === "/api/v1/pods").length <= 2, true);
    });
  }
});

// The sweep's writes are not held back by the connection pool: with --concurrency N, N deletions
// are open at the server at once (the pool once allowed 4 connections, so a distant cluster got
// 4 writes per round trip whatever --concurrency said), and never more than N.
import { test } from "node:test";
import assert from "node:assert/strict";
import { startFakeApiServer } from "../fake-apiserver/server.ts";
import { buildNamespace, buildNode, buildPod } from "../fixtures/builders.ts";
import { runCli, writeConfig } from "../helpers/cli.ts";
import { mostAtOnce } from "../helpers/in-flight.ts";
import { parseReport } from "../helpers/report-shape.ts";

const CONFIG = writeConfig(`
settings: {waitBetweenActions: 0s}
policies:
  - {name: failed, target: pods, when: {phases: [Failed]}, action: delete}
`);

for (const [concurrency, count] of [[12, 24], [1, 4]] as const) {
  test(`sweep --concurrency ${concurrency}: ${concurrency} deletions open at the server at once, no more`, async () => {
    const pods = Array.from({ length: count }, (_, i) => buildPod({ name: `job-${i}`, phase: "Failed" }));
    // Each deletion takes a second to answer (a server far away, or a busy one): long enough for
    // every worker to have sent its own, on a loaded machine too.
    const server = await startFakeApiServer({ pods, nodes: [buildNode("node-1")], namespaces: [buildNamespace("apps")], delayMs: (r) => (r.method === "DELETE" ? 1000 : 0) });
    try {
      const result = await runCli(["sweep", "-o", "json", "-c", CONFIG, "--kubeconfig", server.kubeconfig(), "--concurrency", String(concurrency), "--qps", "0"], { timeoutMs: 60_000 });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(parseReport(result.stdout).actions.filter((a) => a.status === "done").length, count);
      assert.equal(server.pods.size, 0);
      const deletes = server.requests.filter((r) => r.method === "DELETE");
      const most = mostAtOnce(deletes);
      if (concurrency === 1) assert.equal(most, 1);
      else assert.ok(most >= concurrency - 2 && most <= concurrency, `${most} deletions open at once, --concurrency ${concurrency}`);
    } finally {
      await server.close();
    }
  });
}

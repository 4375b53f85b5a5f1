// The seams where several guarantees meet, tried through real sweeps against the fake API server:
// a forced delete that must pass the fresh look, the protected namespaces of pod and namespace
// targets at the write's time, a safety filter that holds by the write's time.
import { test } from "node:test";
import assert from "node:assert/strict";
import { startFakeApiServer, type FakeApiServer, type FakeOptions } from "../fake-apiserver/server.ts";
import { buildNamespace, buildNode, buildPod, hours, minutes, waiting } from "../fixtures/builders.ts";
import { runCli, writeConfig } from "../helpers/cli.ts";
import { parseReport } from "../helpers/report-shape.ts";

async function withServer(options: FakeOptions, body: (s: FakeApiServer) => Promise<void>) {
  const server = await startFakeApiServer({ nodes: [buildNode("node-1")], namespaces: [buildNamespace("apps")], ...options });
  try {
    await body(server);
  } finally {
    await server.close();
  }
}

const sweep = (s: FakeApiServer, config: string, extra: string[] = []) => runCli(["sweep", "-o", "json", "-c", config, "--kubeconfig", s.kubeconfig(), ...extra]);

// --- a forced delete through the fresh look ---

const FORCED = writeConfig(`
settings: {waitBetweenActions: 0s, lock: {enabled: false}}
policies:
  - {name: stuck, target: pods, when: {terminatingFor: 5m, nodeUnhealthyFor: 30m}, action: {delete: {gracePeriodSeconds: 0}}}
`);
const stuck = (name: string, node: string) =>
  buildPod({ name, node, owner: { kind: "StatefulSet", name: "cache" } }, (p) => {
    p.metadata!.deletionTimestamp = new Date(Date.now() - minutes(10)).toISOString();
  });

test("forced delete of a pod stuck Terminating on a dead node: planned, looked at again (pod and node) and sent with gracePeriodSeconds 0", () =>
  withServer({ nodes: [buildNode("dead", "Unknown", hours(1))], pods: [stuck("cache-0", "dead")] }, async (s) => {
    const result = await sweep(s, FORCED);
    assert.equal(result.code, 0, result.stderr);
    const report = parseReport(result.stdout);
    assert.deepEqual(report.actions.map((a) => [a.target.name, a.status]), [["cache-0", "done"]], result.stdout);
    assert.ok(!s.pods.has("apps/cache-0"));
    // The reasons are the ones that held at the write, the node's among them (as in the plan).
    assert.equal(report.actions[0]!.reasons.length, 2, JSON.stringify(report.actions[0]!.reasons));
    assert.match(report.actions[0]!.reasons[0]!, /^terminating for /);
    assert.match(report.actions[0]!.reasons[1]!, /^node dead Ready=Unknown for \S+ >= 30m$/);
    const del = s.requests.find((r) => r.method === "DELETE" && r.path.endsWith("/pods/cache-0"))!;
    assert.equal((del.body as { gracePeriodSeconds?: number }).gracePeriodSeconds, 0);
    // The fresh look read the pod and its node just before the write.
    const at = s.requests.indexOf(del);
    const before = s.requests.slice(0, at);
    assert.ok(before.some((r) => r.method === "GET" && r.path === "/api/v1/namespaces/apps/pods/cache-0"));
    assert.ok(before.some((r) => r.method === "GET" && r.path === "/api/v1/nodes/dead"));
  }));

test("forced delete: a node back to Ready by the write's time saves the pod (the terminating protection is back too)", () => {
  let s: FakeApiServer;
  return withServer(
    {
      nodes: [buildNode("dead", "Unknown", hours(1))],
      pods: [stuck("cache-0", "dead")],
      intercept: (req) => {
        if (req.method === "GET" && req.path === "/api/v1/namespaces/apps/pods/cache-0") s.nodes.set("dead", buildNode("dead", "True", 1000));
        return false;
      },
    },
    async (server) => {
      s = server;
      const result = await sweep(s, FORCED);
      assert.equal(result.code, 0, result.stderr);
      const report = parseReport(result.stdout);
      assert.deepEqual(report.actions.map((a) => [a.target.name, a.status]), [["cache-0", "skipped"]]);
      assert.match(report.actions[0]!.detail, /forced delete \(gracePeriodSeconds 0\) not allowed/);
      assert.match(report.actions[0]!.detail, /already terminating/);
      assert.ok(s.pods.has("apps/cache-0"));
      assert.equal(s.requests.filter((r) => r.method === "DELETE").length, 0);
    },
  );
});

test("forced delete under --dry-run=server: the fresh look lets it through, the server is asked with dryRun=All, the pod stays", () =>
  withServer({ nodes: [buildNode("dead", "Unknown", hours(1))], pods: [stuck("cache-0", "dead")] }, async (s) => {
    const result = await sweep(s, FORCED, ["--dry-run=server"]);
    assert.equal(result.code, 0, result.stderr);
    const report = parseReport(result.stdout);
    assert.deepEqual(report.actions.map((a) => [a.target.name, a.status]), [["cache-0", "would-do"]], result.stdout);
    assert.ok(s.pods.has("apps/cache-0"));
  }));

// --- a single GET whose 200 answer is not the object asked for ---

/** Answers GET `path` with a 200 whose body is `body` (raw text), as a broken proxy or server might. */
const answering = (path: string, body: string) => (req: { method: string; path: string }, res: import("node:http").ServerResponse) => {
  if (req.method !== "GET" || req.path !== path) return false;
  res.writeHead(200, { "Content-Type": "application/json" });
  res.end(body);
  return true;
};

for (const body of ["null", "[]", "\"ok\"", "{}", JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Success" })]) {
  test(`the node read again before a forced delete answers 200 ${body}: not taken as "node gone", no delete sent`, () =>
    withServer({ nodes: [buildNode("dead", "Unknown", hours(1))], pods: [stuck("cache-0", "dead")], intercept: answering("/api/v1/nodes/dead", body) }, async (s) => {
      const result = await sweep(s, FORCED, ["--retries", "0"]);
      const report = parseReport(result.stdout);
      assert.notEqual(report.actions[0]?.status, "done", result.stdout);
      assert.ok(s.pods.has("apps/cache-0"));
      assert.equal(s.requests.filter((r) => r.method === "DELETE").length, 0);
    }));

  test(`the namespace of a pod read again before its delete answers 200 ${body}: a protect annotation added meanwhile is not lost, no delete sent`, () => {
    let s: FakeApiServer;
    const broken = answering("/api/v1/namespaces/apps", body);
    return withServer(
      {
        pods: [buildPod({ name: "worker-a", restarts: 5, state: waiting("CrashLoopBackOff"), age: hours(3) })],
        intercept: (req, res) => {
          // The namespace is protected after the plan; its fresh read is not a Namespace.
          if (req.method === "GET" && req.path === "/api/v1/namespaces/apps/pods/worker-a") s.namespaces.get("apps")!.metadata!.annotations = { "kube-sweeper.io/protect": "true" };
          return broken(req, res);
        },
      },
      async (server) => {
        s = server;
        const config = writeConfig(`
settings: {waitBetweenActions: 0s, lock: {enabled: false}}
policies:
  - {name: crash, target: pods, when: {reasons: [CrashLoopBackOff]}, action: delete}
`);
        const result = await sweep(s, config, ["--retries", "0"]);
        const report = parseReport(result.stdout);
        assert.deepEqual(report.actions.map((a) => [a.target.name, a.status]), [["worker-a", "failed"]], result.stdout + result.stderr);
        assert.match(report.actions[0]!.detail, /not the Namespace apps/);
        assert.equal(s.requests.filter((r) => r.method === "DELETE").length, 0);
      },
    );
  });
}

test("a node missing from the list (joined during the pod read) answers its GET with 200 null: a read error (exit 2), not 'gone', no internal error", () =>
  withServer(
    { pods: [buildPod({ name: "web-1", node: "node-late", age: hours(2) })], intercept: answering("/api/v1/nodes/node-late", "null") },
    async (s) => {
      const config = writeConfig(`
settings: {waitBetweenActions: 0s, lock: {enabled: false}}
policies:
  - {name: dead-nodes, target: pods, when: {nodeUnhealthyFor: 10m}, action: delete}
`);
      const result = await sweep(s, config, ["--retries", "0"]);
      assert.equal(result.code, 2, result.stdout + result.stderr);
      assert.doesNotMatch(result.stderr, /internal error/);
      assert.ok(s.pods.has("apps/web-1"));
    },
  ));

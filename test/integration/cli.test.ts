// The real CLI (the bundled entry, as a child process) with the real @kubernetes/client-node,
// against the fake API server. Assertions are on the server's state and on the report.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { startFakeApiServer, status, type FakeOptions, type RecordedRequest, withFakeApiServer, type FakeApiServer } from "../fake-apiserver/server.ts";
import { buildNamespace, buildNode, buildPod, hours, terminated, waiting } from "../fixtures/builders.ts";
import { hasStackTrace, runCli, writeConfig } from "../helpers/cli.ts";
import { parseReport } from "../helpers/report-shape.ts";
import { mostAtOnce } from "../helpers/in-flight.ts";
import type { Pod } from "../../src/core/k8s.ts";

const CONFIG = writeConfig(`
settings:
  waitBetweenActions: 0s
policies:
  - name: crash-looping
    target: pods
    when:
      restarts: {atLeast: 3}
      reasons: [CrashLoopBackOff]
    action: delete
  - name: oom
    target: pods
    when:
      reasons: [OOMKilled]
    action: evict
`);

function cluster(): Pod[] {
  return [
    buildPod({ name: "worker-a", restarts: 5, state: waiting("CrashLoopBackOff"), age: hours(3) }, (p) => (p.metadata!.ownerReferences![0]!.name = "rs-a")),
    buildPod({ name: "worker-b", restarts: 4, state: waiting("CrashLoopBackOff"), age: hours(2) }, (p) => (p.metadata!.ownerReferences![0]!.name = "rs-b")),
    buildPod({ name: "api-a", restarts: 1, lastState: terminated(137, "OOMKilled"), age: hours(1) }),
    buildPod({ name: "healthy-a" }),
    buildPod({ name: "coredns-x", namespace: "kube-system", restarts: 9, state: waiting("CrashLoopBackOff") }),
  ];
}

const withServer = (options: FakeOptions, body: (server: FakeApiServer) => Promise<void>) => withFakeApiServer({ pods: cluster(), nodes: [buildNode("node-1")], namespaces: [buildNamespace("apps"), buildNamespace("kube-system")], ...options }, body);

/** Writes to the swept objects (not the lock, the access reviews or the Events). */
const writes = (server: { requests: RecordedRequest[] }) =>
  server.requests.filter((r) => r.method !== "GET" && r.method !== "CONNECT" && !/coordination\.k8s\.io|selfsubjectaccessreviews|events\.k8s\.io/.test(r.path));

test("plan -o json: matches the contract's shape, lists the plan, writes nothing", () =>
  withServer({}, async (server) => {
    const result = await runCli(["plan", "-o", "json", "-c", CONFIG, "--kubeconfig", server.kubeconfig()]);
    assert.equal(result.code, 0, result.stderr);
    const report = parseReport(result.stdout);
    assert.equal(report.mode, "plan");
    assert.equal(report.source.server, server.url);
    assert.equal(report.source.version, "v1.30.2-fake");
    assert.deepEqual(report.actions.map((a) => [a.target.name, a.policy, a.action, a.status]), [
      ["worker-a", "crash-looping", "delete", "planned"],
      ["worker-b", "crash-looping", "delete", "planned"],
      ["api-a", "oom", "evict", "planned"],
    ]);
    assert.deepEqual(report.actions[0]!.reasons, ["restarts 5 >= 3", "container main reason CrashLoopBackOff"]);
    assert.deepEqual(report.skipped, [{ policy: "crash-looping", target: { kind: "Pod", namespace: "kube-system", name: "coredns-x" }, reason: "protected: protected namespace kube-system" }]);
    assert.deepEqual(report.summary.evaluated, { pods: 5, namespaces: 2 });
    assert.equal(writes(server).length, 0);
  }));

test("sweep: deletes and evicts exactly what the plan listed, uid preconditions on every write, pods gone", () =>
  withServer({ policyV1: true }, async (server) => {
    const uids = new Map([...server.pods.values()].map((p) => [p.metadata!.name!, p.metadata!.uid!]));
    const plan = parseReport((await runCli(["plan", "-o", "json", "-c", CONFIG, "--kubeconfig", server.kubeconfig()])).stdout);
    const result = await runCli(["sweep", "-o", "json", "-c", CONFIG, "--kubeconfig", server.kubeconfig()]);
    assert.equal(result.code, 0, result.stderr);
    const report = parseReport(result.stdout);
    assert.deepEqual(report.actions.map((a) => a.target.name), plan.actions.map((a) => a.target.name));
    assert.deepEqual(report.actions.map((a) => a.status), ["done", "done", "done"]);
    const sent = writes(server);
    assert.deepEqual(sent.map((r) => `${r.method} ${r.path}`), [
      "DELETE /api/v1/namespaces/apps/pods/worker-a",
      "DELETE /api/v1/namespaces/apps/pods/worker-b",
      "POST /api/v1/namespaces/apps/pods/api-a/eviction",
    ]);
    assert.deepEqual((sent[0]!.body as { preconditions: unknown }).preconditions, { uid: uids.get("worker-a") });
    const eviction = sent[2]!.body as { apiVersion: string; deleteOptions: { preconditions: unknown } };
    assert.equal(eviction.apiVersion, "policy/v1");
    assert.deepEqual(eviction.deleteOptions.preconditions, { uid: uids.get("api-a") });
    assert.deepEqual([...server.pods.keys()].sort(), ["apps/healthy-a", "kube-system/coredns-x"]);
  }));

test("sweep pauses --wait 1s between writes, and not after the last one", () =>
  withServer({}, async (server) => {
    const result = await runCli(["sweep", "-o", "json", "-c", CONFIG, "--kubeconfig", server.kubeconfig(), "--wait", "1s"]);
    const exited = Date.now();
    assert.equal(result.code, 0, result.stderr);
    const at = writes(server).map((r) => r.at);
    assert.equal(at.length, 3);
    assert.ok(at[1]! - at[0]! >= 990, `gap ${at[1]! - at[0]!} ms`);
    assert.ok(at[2]! - at[1]! >= 990, `gap ${at[2]! - at[1]! } ms`);
    // No pause after the last write: the process is gone well within one more second.
    assert.ok(exited - at[2]! < 900, `exited ${exited - at[2]!} ms after the last write`);
  }));

test("sweep --concurrency 2: two writes in flight at once, each worker pausing --wait after its own; the report keeps plan order", () =>
  withServer({}, async (server) => {
    const result = await runCli(["sweep", "-o", "json", "-c", CONFIG, "--kubeconfig", server.kubeconfig(), "--wait", "1s", "--concurrency", "2"]);
    assert.equal(result.code, 0, result.stderr);
    const at = writes(server).map((r) => r.at);
    assert.equal(at.length, 3);
    assert.ok(at[1]! - at[0]! < 500, `the second write waited ${at[1]! - at[0]!} ms`);
    assert.ok(at[2]! - at[0]! >= 990, `the third write came ${at[2]! - at[0]!} ms after the first`);
    assert.deepEqual(parseReport(result.stdout).actions.map((a) => [a.target.name, a.status]), [["worker-a", "done"], ["worker-b", "done"], ["api-a", "done"]]);
    const bad = await runCli(["sweep", "-c", CONFIG, "--kubeconfig", server.kubeconfig(), "--concurrency", "0"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^kube-sweeper: --concurrency: expected a whole number from 1 to 256, got "0"\n$/);
  }));

test("eviction on a server without policy/v1 falls back to policy/v1beta1", () =>
  withServer({ policyV1: false }, async (server) => {
    const result = await runCli(["sweep", "-o", "json", "-c", CONFIG, "--kubeconfig", server.kubeconfig()]);
    assert.equal(result.code, 0, result.stderr);
    const eviction = writes(server).find((r) => r.path.endsWith("/eviction"))!;
    assert.equal((eviction.body as { apiVersion: string }).apiVersion, "policy/v1beta1");
    assert.equal(server.pods.has("apps/api-a"), false);
  }));

test("eviction refused by a PodDisruptionBudget (429) is blocked, not retried, and the pod stays", () =>
  withServer({ policyV1: true, pdbs: [{ namespace: "apps", name: "api-pdb", selector: "app=api", disruptionsAllowed: 0 }] }, async (server) => {
    const result = await runCli(["sweep", "-o", "json", "-c", CONFIG, "--kubeconfig", server.kubeconfig()]);
    assert.equal(result.code, 0, result.stderr);
    const report = parseReport(result.stdout);
    const api = report.actions.find((a) => a.target.name === "api-a")!;
    assert.equal(api.status, "blocked");
    assert.match(api.detail, /disruption budget/);
    assert.equal(report.summary.blocked, 1);
    assert.equal(writes(server).filter((r) => r.path.endsWith("/eviction")).length, 1);
    assert.equal(server.pods.has("apps/api-a"), true);
  }));

test("a pod replaced between read and write (new uid, same name) is a conflict and survives", () =>
  withServer(
    {
      intercept: (req) => {
        if (req.method === "DELETE" && req.path.endsWith("/worker-a")) server!.pods.get("apps/worker-a")!.metadata!.uid = "recreated-uid";
        return false;
      },
    },
    async (s) => {
      server = s;
      const result = await runCli(["sweep", "-o", "json", "-c", CONFIG, "--kubeconfig", s.kubeconfig()]);
      assert.equal(result.code, 0, result.stderr);
      const report = parseReport(result.stdout);
      assert.equal(report.actions[0]!.status, "conflict");
      assert.match(report.actions[0]!.detail, /the UID in the precondition \(.+\) does not match the UID in record/);
      assert.equal(s.pods.get("apps/worker-a")?.metadata?.uid, "recreated-uid");
    },
  ));
let server: Awaited<ReturnType<typeof startFakeApiServer>> | undefined;

test("a pod already deleted (404) is gone; a 500 that persists through the retries is failed, the run goes on and exits 1", () => {
  let tries = 0;
  return withServer(
    {
      intercept: (req, res) => {
        if (req.method === "DELETE" && req.path.endsWith("/worker-a")) {
          status(res, 404, "NotFound", 'pods "worker-a" not found');
          return true;
        }
        if (req.method === "DELETE" && req.path.endsWith("/worker-b")) {
          tries++;
          status(res, 500, "InternalError", "etcdserver: request timed out");
          return true;
        }
        return false;
      },
    },
    async (s) => {
      const result = await runCli(["sweep", "-o", "json", "-c", CONFIG, "--kubeconfig", s.kubeconfig(), "--retries", "1"]);
      assert.equal(result.code, 1, result.stderr);
      const report = parseReport(result.stdout);
      assert.deepEqual(report.actions.map((a) => a.status), ["gone", "failed", "done"]);
      assert.match(report.actions[1]!.detail, /HTTP 500: etcdserver: request timed out \(after 2 attempts\)/);
      assert.equal(tries, 2);
      assert.equal(report.summary.failed, 1);
    },
  );
});

test("sweep --dry-run=server sends every write with dryRun=All and a never-matching resourceVersion, and changes nothing", () =>
  withServer({ policyV1: true }, async (s) => {
    const result = await runCli(["sweep", "-o", "json", "-c", CONFIG, "--kubeconfig", s.kubeconfig(), "--dry-run=server"]);
    assert.equal(result.code, 0, result.stderr);
    const report = parseReport(result.stdout);
    assert.equal(report.mode, "dry-run");
    assert.deepEqual(report.actions.map((a) => a.status), ["would-do", "would-do", "would-do"]);
    const sent = writes(s);
    assert.equal(sent.length, 3);
    assert.ok(sent.every((r) => r.query.get("dryRun") === "All"));
    const preconditions = sent.map((r) => ((r.body as { preconditions?: object; deleteOptions?: { preconditions?: object } }).preconditions ?? (r.body as { deleteOptions: { preconditions: object } }).deleteOptions.preconditions) as { resourceVersion?: string });
    assert.ok(preconditions.every((p) => p.resourceVersion === "0"), JSON.stringify(preconditions));
    assert.match(report.actions[0]!.detail, /nothing persisted/);
    assert.equal(s.pods.size, 5);
  }));

test("sweep --dry-run (client) sends no write; the table says DRY-RUN first and on every row", () =>
  withServer({}, async (s) => {
    const result = await runCli(["sweep", "-o", "table", "-c", CONFIG, "--kubeconfig", s.kubeconfig(), "--dry-run"]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(writes(s).length, 0);
    const lines = result.stdout.trim().split("\n");
    assert.match(lines[0]!, /^DRY-RUN \(client\)/);
    const rows = lines.filter((l) => l.includes("pod/apps/"));
    assert.equal(rows.length, 3);
    // The STATUS column (the first word of the row) carries the dry run on every row.
    assert.ok(rows.every((r) => r.split(/\s+/)[0] === "DRY-RUN:would-do"), rows.join("\n"));
  }));

test("blast radius: more targets than abortIfMoreThan.count -> exit 3 and no write", () =>
  withServer({}, async (s) => {
    const config = writeConfig(`
settings: {abortIfMoreThan: {count: 2}, waitBetweenActions: 0}
policies:
  - {name: all-running, target: pods, when: {phases: [Running]}, action: delete}
`);
    const result = await runCli(["sweep", "-o", "json", "-c", config, "--kubeconfig", s.kubeconfig()]);
    assert.equal(result.code, 3, result.stderr);
    assert.equal(writes(s).length, 0);
    assert.match(parseReport(result.stdout).summary.planned.toString(), /^\d+$/);
    assert.match(result.stderr, /blast radius: 4 targets matched, more than abortIfMoreThan\.count 2/);
    // The phase-only policy lets the server filter: status.phase=Running.
    assert.ok(s.requests.some((r) => r.path === "/api/v1/pods" && r.query.get("fieldSelector") === "status.phase=Running"));
  }));

test("pagination: 1,200 pods are read in pages of 500, and a 410 Expired restarts the list without double counting", () =>
  withServer({ pods: Array.from({ length: 1200 }, (_, i) => buildPod({ name: `p-${String(i).padStart(4, "0")}`, restarts: i % 2 ? 5 : 0, state: i % 2 ? waiting("CrashLoopBackOff") : undefined })) }, async (s) => {
    s.expireNextContinue();
    const result = await runCli(["plan", "-o", "json", "-c", CONFIG, "--kubeconfig", s.kubeconfig(), "--chunk-size", "500"]);
    assert.equal(result.code, 0, result.stderr);
    const report = parseReport(result.stdout);
    assert.equal(report.summary.evaluated.pods, 1200);
    assert.equal(report.actions.length, 600);
    const lists = s.requests.filter((r) => r.path === "/api/v1/pods");
    assert.ok(lists.every((r) => r.query.get("limit") === "500"));
    // first page, expired continue, then 3 pages from the start.
    assert.equal(lists.length, 5);
  }));

test("a connection cut in the middle of a page, after some of its pods were handed out, restarts the list: nothing counted twice", async () => {
  let cut = false;
  await withServer(
    {
      pods: Array.from({ length: 1200 }, (_, i) => buildPod({ name: `p-${String(i).padStart(4, "0")}`, restarts: i % 2 ? 5 : 0, state: i % 2 ? waiting("CrashLoopBackOff") : undefined })),
      intercept: (req, res) => {
        if (cut || req.path !== "/api/v1/pods" || !req.query.get("continue")) return false;
        cut = true;
        // Three whole pods of the second page, then the connection drops.
        const some = Array.from({ length: 3 }, (_, i) => buildPod({ name: `p-${String(500 + i).padStart(4, "0")}` }));
        res.writeHead(200, { "Content-Type": "application/json" });
        res.write(`{"kind":"PodList","metadata":{},"items":[${some.map((p) => JSON.stringify(p)).join(",")},{"metadata":`);
        setTimeout(() => res.socket?.destroy(), 50);
        return true;
      },
    },
    async (s) => {
      const result = await runCli(["plan", "-o", "json", "-c", CONFIG, "--kubeconfig", s.kubeconfig(), "--chunk-size", "500"]);
      assert.equal(result.code, 0, result.stderr);
      const report = parseReport(result.stdout);
      assert.equal(report.summary.evaluated.pods, 1200);
      assert.equal(report.actions.length, 600);
      // first page, the cut second page, then 3 pages from the start.
      assert.equal(s.requests.filter((r) => r.path === "/api/v1/pods").length, 5);
    },
  );
});

test("a read-only token: 403 on listing pods -> exit 2 with one line naming the missing permission", () =>
  withServer({ forbid: [{ verb: "list", resource: "pods" }] }, async (s) => {
    const result = await runCli(["plan", "-c", CONFIG, "--kubeconfig", s.kubeconfig()]);
    assert.equal(result.code, 2);
    // The line naming the cluster, then one line of error.
    assert.match(result.stderr, /^using context "fake" \(cluster "fake", user "tester"\) at https:\/\/127\.0\.0\.1:\d+\nkube-sweeper: .*\n$/);
    assert.match(result.stderr, /cannot list \/api\/v1\/pods: HTTP 403 Forbidden: .*cannot list resource "pods"/);
  }));

test("forbidden to delete: the permission check before the first write stops the run, exit 2, nothing deleted", () =>
  withServer({ forbid: [{ verb: "delete", resource: "pods" }] }, async (s) => {
    const result = await runCli(["sweep", "-o", "json", "-c", CONFIG, "--kubeconfig", s.kubeconfig()]);
    assert.equal(result.code, 2);
    assert.equal(result.stderr.trim().split("\n").at(-1), "kube-sweeper: missing permission, nothing was done: delete pods in namespace apps (action delete)");
    assert.equal(writes(s).length, 0);
    assert.equal(s.pods.size, 5);
  }));

test("the lock: a sweep takes the Lease before reading and releases it; a held, unexpired Lease makes a second sweep exit 2", () =>
  withServer({ policyV1: true }, async (s) => {
    const done = await runCli(["sweep", "-o", "json", "-c", CONFIG, "--kubeconfig", s.kubeconfig()]);
    assert.equal(done.code, 0, done.stderr);
    const lease = s.leases.get("default/kube-sweeper")!;
    assert.equal(lease.spec.holderIdentity, null, "released");
    const firstLeaseCall = s.requests.findIndex((r) => r.path.includes("/leases"));
    const firstPodList = s.requests.findIndex((r) => r.path === "/api/v1/pods");
    assert.ok(firstLeaseCall >= 0 && firstLeaseCall < firstPodList, "the lock is taken before reading");

    const now = new Date().toISOString().replace("Z", "000Z");
    lease.spec = { holderIdentity: "cronjob-pod-1", leaseDurationSeconds: 600, renewTime: now, acquireTime: now };
    const blocked = await runCli(["sweep", "-o", "json", "-c", CONFIG, "--kubeconfig", s.kubeconfig()]);
    assert.equal(blocked.code, 2);
    assert.match(blocked.stderr, /another sweep holds the lock \(lease default\/kube-sweeper\): holder cronjob-pod-1/);
    assert.equal(s.pods.size, 2, "the blocked run deleted nothing more");

    lease.spec.renewTime = new Date(Date.now() - 3_600_000).toISOString();
    s.pods.set("apps/worker-z", buildPod({ name: "worker-z", restarts: 5, state: waiting("CrashLoopBackOff") }));
    const takeover = await runCli(["sweep", "-o", "json", "-c", CONFIG, "--kubeconfig", s.kubeconfig()]);
    assert.equal(takeover.code, 0, takeover.stderr);
    assert.equal(parseReport(takeover.stdout).actions.length, 1);
  }));

test("plan and dry runs take no lock", () =>
  withServer({}, async (s) => {
    await runCli(["plan", "-o", "json", "-c", CONFIG, "--kubeconfig", s.kubeconfig()]);
    await runCli(["sweep", "-o", "json", "-c", CONFIG, "--kubeconfig", s.kubeconfig(), "--dry-run"]);
    await runCli(["sweep", "-o", "json", "-c", CONFIG, "--kubeconfig", s.kubeconfig(), "--dry-run=server"]);
    assert.equal(s.requests.filter((r) => r.path.includes("/leases")).length, 0);
  }));

test("events: one events.k8s.io/v1 Event per action done, a Warning for a failed one; none in dry runs", () =>
  withServer(
    {
      policyV1: true,
      intercept: (req, res) => {
        if (req.method === "DELETE" && req.path.endsWith("/worker-b")) {
          status(res, 500, "InternalError", "etcdserver: request timed out");
          return true;
        }
        return false;
      },
    },
    async (s) => {
      await runCli(["sweep", "-o", "json", "-c", CONFIG, "--kubeconfig", s.kubeconfig(), "--dry-run=server"]);
      assert.equal(s.events.length, 0);
      const uids = new Map([...s.pods.values()].map((p) => [p.metadata!.name!, p.metadata!.uid!]));
      const result = await runCli(["sweep", "-o", "json", "-c", CONFIG, "--kubeconfig", s.kubeconfig(), "--retries", "0"]);
      assert.equal(result.code, 1);
      const byName = new Map(s.events.map((e) => [(e.body.regarding as { name: string }).name, e]));
      const a = byName.get("worker-a")!;
      assert.equal(a.namespace, "apps");
      assert.equal(a.body.reason, "SweptPod");
      assert.equal(a.body.type, "Normal");
      assert.equal(a.body.reportingController, "kube-sweeper.io/kube-sweeper");
      assert.match(String(a.body.eventTime), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
      assert.deepEqual(a.body.regarding, { apiVersion: "v1", kind: "Pod", name: "worker-a", uid: uids.get("worker-a"), namespace: "apps" });
      assert.match(String(a.body.note), /^policy crash-looping: restarts 5 >= 3/);
      assert.equal(byName.get("api-a")!.body.reason, "EvictedPod");
      assert.equal(byName.get("worker-b")!.body.type, "Warning");
      assert.equal(byName.get("worker-b")!.body.reason, "SweptPodFailed");
    },
  ));

test("a wrong token: 401 -> exit 2, one line", () =>
  withServer({}, async (s) => {
    const result = await runCli(["plan", "-c", CONFIG, "--kubeconfig", s.kubeconfig("wrong")]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^using context "fake" .*\nkube-sweeper: cannot read the server version: HTTP 401 Unauthorized.*\n$/);
  }));

test("seed-compatible env: NAMESPACE narrows the list to that namespace and builds the reaper's policy", () =>
  withServer({ pods: [...cluster(), buildPod({ name: "done-a", lastState: terminated(0), restarts: 1, age: hours(1) })] }, async (s) => {
    const result = await runCli(["plan", "-o", "json", "--kubeconfig", s.kubeconfig()], { env: { NAMESPACE: "apps", APPLY_ON_EXITCODE_0: "false", KUBECTL_MIN_AGE_IN_MINUTES: "5" } });
    assert.equal(result.code, 0, result.stderr);
    const report = parseReport(result.stdout);
    assert.deepEqual(report.actions.map((a) => a.target.name), ["api-a"]);
    assert.ok(s.requests.some((r) => r.path === "/api/v1/namespaces/apps/pods"));
    assert.ok(!s.requests.some((r) => r.path === "/api/v1/pods"));
  }));

test("seed DEBUG=true makes sweep a dry run", () =>
  withServer({}, async (s) => {
    const result = await runCli(["sweep", "-o", "json", "--kubeconfig", s.kubeconfig()], { env: { NAMESPACE: "apps", DEBUG: "true" } });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(parseReport(result.stdout).mode, "dry-run");
    assert.equal(writes(s).length, 0);
  }));

test("plan --fail-on-findings exits 5 when the plan is not empty", () =>
  withServer({}, async (s) => {
    const result = await runCli(["plan", "-o", "json", "-c", CONFIG, "--kubeconfig", s.kubeconfig(), "--fail-on-findings"]);
    assert.equal(result.code, 5);
  }));

test("SIGTERM while pacing: the action in flight finishes, the rest are reported not started, exit 4", () =>
  withServer({}, async (s) => {
    let sent = false;
    const result = await runCli(["sweep", "-o", "json", "-c", CONFIG, "--kubeconfig", s.kubeconfig(), "--wait", "20s"], {
      onSpawn: (child) => {
        child.on("close", () => clearInterval(poll));
        const poll = setInterval(() => {
          if (!sent && writes(s).length === 1) {
            sent = true;
            clearInterval(poll);
            child.kill("SIGTERM");
          }
        }, 20);
      },
    });
    assert.equal(result.code, 4, result.stderr);
    const report = parseReport(result.stdout);
    assert.deepEqual(report.actions.map((a) => a.status), ["done", "planned", "planned"]);
    assert.match(report.actions[1]!.detail, /not started: SIGTERM received/);
    assert.equal(writes(s).length, 1);
  }));

test("--deadline stops starting actions: exit 4", () =>
  withServer({}, async (s) => {
    // The deadline now also cancels reads: leave the reads and the first write time to finish
    // on a loaded machine, and end during the first pause.
    const result = await runCli(["sweep", "-o", "json", "-c", CONFIG, "--kubeconfig", s.kubeconfig(), "--wait", "20s", "--deadline", "5s"]);
    assert.equal(result.code, 4, result.stderr);
    const report = parseReport(result.stdout);
    assert.equal(report.actions.filter((a) => a.status === "done").length, 1);
    assert.match(report.actions[2]!.detail, /not started: deadline 5s reached/);
  }));

test("explain: every policy with its numbers, protections and the outcome", () =>
  withServer({}, async (s) => {
    const result = await runCli(["explain", "kube-system/coredns-x", "-o", "table", "-c", CONFIG, "--kubeconfig", s.kubeconfig()]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /policy crash-looping \(delete\): MATCHES/);
    assert.match(result.stdout, /\[yes\] when\.restarts: restarts 9 >= 3/);
    assert.match(result.stdout, /\[NO \] when\.reasons: no listed reason/);
    assert.match(result.stdout, /held back: protected: protected namespace kube-system/);
    assert.match(result.stdout, /outcome: skipped \(policy crash-looping\): protected: protected namespace kube-system/);
  }));

test("explain of a pod that does not exist: exit 2, one line", () =>
  withServer({}, async (s) => {
    const result = await runCli(["explain", "apps/nope", "-c", CONFIG, "--kubeconfig", s.kubeconfig()]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^using context "fake" .*\nkube-sweeper: pod apps\/nope not found\n$/);
  }));

test("no kubeconfig and not in a cluster: refuses with a clear message instead of localhost:8080", async () => {
  const result = await runCli(["plan", "-c", CONFIG]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /^kube-sweeper: no cluster credentials: no kubeconfig/);
});

test("bad input never prints a stack trace: each gives exit 2 and one line", async () => {
  const garbage = writeConfig("apiVersion: v1\nclusters: [[[\n");
  const kubeconfigIsGarbage = writeConfig("this: is: not: a kubeconfig");
  const cases: [string[], RegExp][] = [
    [["plan", "-c", writeConfig("policies: [\n")], /not valid YAML/],
    [["plan", "-c", writeConfig("policies:\n  - {name: a, target: pods, when: {olderThan: 5m}, action: delete, color: red}\n")], /unknown key "color"/],
    [["plan", "-c", writeConfig("policies:\n  - {name: a, target: pods, when: {olderThan: -5m}, action: delete}\n")], /"-5m" is not a duration/],
    [["plan", "-c", "/nonexistent.yaml"], /cannot read config file: no such file/],
    [["plan", "-c", CONFIG, "--kubeconfig", "/nonexistent/kubeconfig"], /kubeconfig \/nonexistent\/kubeconfig: no such file/],
    [["plan", "-c", CONFIG, "--kubeconfig", garbage], /kubeconfig/],
    [["plan", "-c", CONFIG, "--kubeconfig", kubeconfigIsGarbage], /kubeconfig/],
    [["plan", "-c", CONFIG, "--snapshot", garbage], /snapshot .*: not (JSON|YAML)/],
    [["sweep", "-c", CONFIG, "--wait", "soon"], /--wait: "soon" is not a duration/],
    [["sweep", "-c", CONFIG, "--max-actions", "-1"], /--max-actions/],
    [["sweep", "-c", CONFIG, "--dry-run=maybe"], /--dry-run: expected client or server/],
    [["plan", "-o", "xml"], /argument 'xml' is invalid/],
    [["frobnicate"], /unknown command 'frobnicate'/],
    [[], /a command is required/],
  ];
  for (const [args, expected] of cases) {
    const result = await runCli(args);
    assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
    assert.match(result.stderr, expected, args.join(" "));
    assert.equal(result.stderr.trim().split("\n").length, 1, `${args.join(" ")}: ${result.stderr}`);
    assert.ok(!hasStackTrace(result.stderr + result.stdout), `${args.join(" ")}: ${result.stderr}`);
  }
});

test("validate lists every problem with its path and line", async () => {
  const config = writeConfig("policies:\n  - name: a\n    target: pods\n    when: {restarts: {atLeast: 0}}\n    action: nuke\n");
  const result = await runCli(["validate", "-c", config]);
  assert.equal(result.code, 2);
  const lines = result.stderr.trim().split("\n");
  assert.equal(lines.length, 2, result.stderr);
  assert.match(lines[0]!, /:4: policies\[0\]\.when\.restarts\.atLeast: must be >=1, got number 0$/);
  assert.match(lines[1]!, /:5: policies\[0\]\.action: must be one of "delete", "evict", got string "nuke"$/);
});

test("validate prints the policy built from the seed environment", async () => {
  const result = await runCli(["validate", "-o", "table"], { env: { NAMESPACE: "proj", TARGETPOD: "^job-", KUBECTL_APPLY_ON_UNHEALTHY_NODES: "true" } });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^seed environment: valid; 2 policies/);
  assert.match(result.stdout, /name: seed-pod-completion-reaper/);
  assert.match(result.stdout, /name: \^job-/);
  assert.match(result.stdout, /nodeUnhealthyFor: 0s/);
});

test("plan over a snapshot equals the plan over the live server holding the same objects", () =>
  withServer({}, async (s) => {
    const live = parseReport((await runCli(["plan", "-o", "json", "-c", CONFIG, "--kubeconfig", s.kubeconfig(), "--now", "2026-11-21T10:00:00Z"])).stdout);
    const file = writeConfig("");
    writeFileSync(file, JSON.stringify({ kind: "List", items: [...s.pods.values(), buildNode("node-1"), buildNamespace("apps"), buildNamespace("kube-system")] }));
    const snap = parseReport((await runCli(["plan", "-o", "json", "-c", CONFIG, "--snapshot", file, "--now", "2026-11-21T10:00:00Z"])).stdout);
    assert.deepEqual(snap.actions, live.actions);
    assert.deepEqual(snap.skipped, live.skipped);
  }));

test("--metrics-file: the bundled CLI writes the run's metrics atomically", () =>
  withServer({}, async (s) => {
    const dir = writeConfig("").replace(/kube-sweeper\.yaml$/, "");
    const file = `${dir}kube-sweeper.prom`;
    const result = await runCli(["sweep", "-o", "json", "-c", CONFIG, "--kubeconfig", s.kubeconfig(), "--metrics-file", file]);
    assert.equal(result.code, 0, result.stderr);
    const text = readFileSync(file, "utf8");
    assert.match(text, /^kube_sweeper_last_run_actions\{policy="crash-looping",action="delete",status="done"\} 2$/m);
    assert.match(text, /^kube_sweeper_last_exit_code 0$/m);
    // The bundled CLI knows its version (from package.json) for build_info.
    const version = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")).version as string;
    assert.match(text, new RegExp(`^kube_sweeper_build_info\\{version="${version.replaceAll(".", "\\.")}",node_version="[\\d.]+"\\} 1$`, "m"));
  }));

test("the permission checks before the first write go out together (bounded), not one round trip after another; denials keep their order", async () => {
  const namespaces = Array.from({ length: 12 }, (_, i) => `team-${String(i).padStart(2, "0")}`);
  const pods = namespaces.map((ns) => buildPod({ name: "worker", namespace: ns, restarts: 5, state: waiting("CrashLoopBackOff"), age: hours(3) }));
  const isReview = (r: RecordedRequest) => r.path.endsWith("/selfsubjectaccessreviews");
  const server = await startFakeApiServer({
    pods,
    nodes: [buildNode("node-1")],
    namespaces: namespaces.map((ns) => buildNamespace(ns)),
    forbid: [{ verb: "delete", resource: "pods" }],
    // A distant server: every review takes 100 ms to answer.
    delayMs: (r) => (isReview(r) ? 100 : 0),
  });
  try {
    const result = await runCli(["sweep", "-o", "json", "-c", CONFIG, "--kubeconfig", server.kubeconfig(), "--qps", "0"]);
    assert.equal(result.code, 2, result.stderr);
    const denied = result.stderr.trim().split("\n").at(-1)!;
    assert.deepEqual([...denied.matchAll(/delete pods in namespace (team-\d+)/g)].map((m) => m[1]), namespaces);
    const reviews = server.requests.filter(isReview);
    assert.ok(reviews.length >= namespaces.length, `${reviews.length} reviews`);
    const most = mostAtOnce(reviews);
    assert.ok(most > 1, "the reviews were asked one after another");
    assert.ok(most <= 8, `${most} reviews in flight at once, more than the bound of 8`);
    assert.equal(writes(server).length, 0);
  } finally {
    await server.close();
  }
});

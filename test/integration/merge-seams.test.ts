// The seams where several guarantees meet, tried through real runs against the fake API server:
// a forced delete that must pass the fresh look; single GETs answered with something that is not
// the object; SIGTERM during the fresh look; a PriorityClass threshold from a snapshot; a malformed
// later page while the token rotates; safety filters at the write; two kubeconfig files.
import { test } from "node:test";
import assert from "node:assert/strict";
import { type FakeApiServer, type FakeOptions, withFakeApiServer } from "../fake-apiserver/server.ts";
import { buildNamespace, buildNode, buildPod, hours, minutes, waiting } from "../fixtures/builders.ts";
import { runCli, writeConfig } from "../helpers/cli.ts";
import { parseReport } from "../helpers/report-shape.ts";

const withServer = (options: FakeOptions, body: (server: FakeApiServer) => Promise<void>) => withFakeApiServer({ nodes: [buildNode("node-1")], namespaces: [buildNamespace("apps")], ...options }, body);

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

// --- interruptions at the fresh look ---

test("SIGTERM while the target is read again (the GET before the write hangs): exit 4, the action named as interrupted, no write sent, the Lease released", async () => {
  let held = false;
  await withServer(
    {
      pods: [buildPod({ name: "worker-a", restarts: 5, state: waiting("CrashLoopBackOff"), age: hours(2) })],
      intercept: (req) => {
        if (req.method === "GET" && req.path === "/api/v1/namespaces/apps/pods/worker-a") {
          held = true;
          return true; // never answered
        }
        return false;
      },
    },
    async (s) => {
      const config = writeConfig("settings: {waitBetweenActions: 0s}\npolicies:\n  - {name: crash, target: pods, when: {reasons: [CrashLoopBackOff]}, action: delete}\n");
      const started = Date.now();
      const result = await runCli(["sweep", "-o", "json", "-c", config, "--kubeconfig", s.kubeconfig(), "--request-timeout", "5m"], {
        timeoutMs: 60_000,
        onSpawn: (child) => {
          const poll = setInterval(() => {
            if (held) {
              clearInterval(poll);
              child.kill("SIGTERM");
            }
          }, 20);
          child.on("close", () => clearInterval(poll));
        },
      });
      assert.equal(result.code, 4, result.stderr);
      assert.ok(Date.now() - started < 30_000, "the hanging GET was cut short");
      const report = parseReport(result.stdout);
      assert.match(report.interrupted ?? "", /SIGTERM received.*delete pod apps\/worker-a/);
      assert.equal(report.actions[0]!.status, "failed");
      assert.match(report.actions[0]!.detail, /^interrupted \(SIGTERM received\)/);
      assert.equal(s.requests.filter((r) => r.method === "DELETE").length, 0);
      assert.ok(s.pods.has("apps/worker-a"));
      assert.equal(s.leases.get("default/kube-sweeper")?.spec.holderIdentity, null, "the Lease is released");
    },
  );
});

// --- a PriorityClass threshold read from a snapshot ---

test("snapshot with PriorityClass objects: a className threshold protects the pods at or above its value, in JSON and in YAML dumps", async () => {
  const { writeFileSync, mkdtempSync } = await import("node:fs");
  const { join } = await import("node:path");
  const { tmpdir } = await import("node:os");
  const { stringify } = await import("yaml");
  const crash = (name: string, priority: number | undefined) =>
    buildPod({ name, restarts: 5, state: waiting("CrashLoopBackOff"), age: hours(3) }, (p) => {
      p.metadata!.ownerReferences![0]!.name = `rs-${name}`;
      if (priority !== undefined) p.spec!.priority = priority;
    });
  const dump = {
    apiVersion: "v1",
    kind: "List",
    metadata: { resourceVersion: "" },
    items: [
      { apiVersion: "scheduling.k8s.io/v1", kind: "PriorityClass", metadata: { name: "business-critical", uid: "pc-1" }, value: 5000 },
      buildNamespace("apps"),
      crash("high-1", 5000),
      crash("higher-1", 9000),
      crash("low-1", 10),
      crash("none-1", undefined),
    ],
  };
  const dir = mkdtempSync(join(tmpdir(), "ks-snap-"));
  const config = writeConfig(`
settings: {safetyFilters: {priorityThreshold: {className: business-critical}}}
policies:
  - {name: crash, target: pods, when: {reasons: [CrashLoopBackOff]}, action: delete}
`);
  for (const [file, text] of [["dump.json", JSON.stringify(dump)], ["dump.yaml", stringify(dump)]] as const) {
    writeFileSync(join(dir, file), text);
    const result = await runCli(["plan", "-o", "json", "-c", config, "--snapshot", join(dir, file)]);
    assert.equal(result.code, 0, result.stderr);
    const report = parseReport(result.stdout);
    assert.deepEqual(report.actions.map((a) => a.target.name).sort(), ["low-1", "none-1"], file);
    assert.deepEqual(report.skipped.map((k) => [k.target.name, /priority \d+ >= threshold 5000 \(class business-critical\)/.test(k.reason)]).sort(), [["high-1", true], ["higher-1", true]], file);
  }
  // The class missing from the dump: the threshold is unknown, every pod it guards is protected.
  writeFileSync(join(dir, "no-class.json"), JSON.stringify({ ...dump, items: dump.items.slice(1) }));
  const missing = await runCli(["plan", "-o", "json", "-c", config, "--snapshot", join(dir, "no-class.json")]);
  assert.equal(missing.code, 0, missing.stderr);
  assert.deepEqual(parseReport(missing.stdout).actions, []);
});

// --- a malformed later page while the credentials change ---

test("token file rotated as page 2 is asked for, and page 2 answered malformed once: the list is read again from the top with the new token; the sweep acts on the whole list", async () => {
  const { mkdtempSync, renameSync, writeFileSync } = await import("node:fs");
  const { join } = await import("node:path");
  const { tmpdir } = await import("node:os");
  const { testCertificate } = await import("../helpers/tls.ts");
  let current = "first-token";
  let malformed = 0;
  const pods = [
    ...Array.from({ length: 500 }, (_, i) => buildPod({ name: `p-${String(i).padStart(4, "0")}` })),
    // On page 2 only: acting on it proves the whole list was read.
    buildPod({ name: "zz-crash", restarts: 5, state: waiting("CrashLoopBackOff"), age: hours(3) }),
  ];
  await withServer(
    {
      pods,
      acceptToken: (t) => t === current,
      listAnswer: (l) => {
        if (l.path !== "/api/v1/pods" || l.page !== 1 || malformed > 0) return undefined;
        malformed++;
        return { ...l.body, items: [...(l.body.items as unknown[]), null] };
      },
    },
    async (s) => {
      const dir = mkdtempSync(join(tmpdir(), "ks-rot-"));
      const tokenFile = join(dir, "token");
      writeFileSync(tokenFile, "first-token\n");
      const original = s.requests.push.bind(s.requests);
      s.requests.push = (...items) => {
        if (items.some((r) => r.path === "/api/v1/pods" && r.query.get("continue")) && current === "first-token") {
          writeFileSync(`${tokenFile}.new`, "second-token\n");
          renameSync(`${tokenFile}.new`, tokenFile);
          current = "second-token";
        }
        return original(...items);
      };
      const ca = Buffer.from(testCertificate().cert).toString("base64");
      const kc = join(dir, "config");
      writeFileSync(
        kc,
        [
          "apiVersion: v1",
          "kind: Config",
          `clusters: [{name: c, cluster: {server: ${JSON.stringify(s.url)}, certificate-authority-data: ${ca}}}]`,
          "users: [{name: u, user: {tokenFile: token}}]",
          "contexts: [{name: k, context: {cluster: c, user: u}}]",
          "current-context: k",
        ].join("\n"),
      );
      const config = writeConfig("settings: {waitBetweenActions: 0s}\npolicies:\n  - {name: crash, target: pods, when: {reasons: [CrashLoopBackOff]}, action: delete}\n");
      const result = await runCli(["sweep", "-o", "json", "-c", config, "--kubeconfig", kc, "--chunk-size", "500"]);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(malformed, 1);
      const report = parseReport(result.stdout);
      assert.equal(report.summary.evaluated.pods, 501);
      assert.deepEqual(report.actions.map((a) => [a.target.name, a.status]), [["zz-crash", "done"]]);
      assert.equal(s.pods.has("apps/zz-crash"), false);
    },
  );
});

// --- safety filters at the write's time ---

test("safety filters are judged again at the write: settings' filter and a policy's own override, with the filter named in the skipped reason", () => {
  let s: FakeApiServer;
  const crash = (name: string, age: number) => buildPod({ name, restarts: 5, state: waiting("CrashLoopBackOff"), age }, (p) => (p.metadata!.ownerReferences![0]!.name = `rs-${name}`));
  return withServer(
    {
      pods: [crash("worker-a", hours(3)), crash("worker-b", hours(2)), crash("batch-c", hours(1))],
      intercept: (req) => {
        // The fake lets a test change what a real server would not (volumes): the code path is what is tried.
        if (req.method === "DELETE" && req.path.endsWith("/pods/worker-a")) {
          for (const name of ["worker-b", "batch-c"]) s.pods.get(`apps/${name}`)!.spec!.volumes = [{ name: "data", persistentVolumeClaim: { claimName: `data-${name}` } }];
        }
        return false;
      },
    },
    async (server) => {
      s = server;
      const config = writeConfig(`
settings: {waitBetweenActions: 0s, lock: {enabled: false}, safetyFilters: {persistentVolumeClaims: true}}
policies:
  - {name: workers, target: pods, match: {name: "^worker-"}, when: {reasons: [CrashLoopBackOff]}, action: delete}
  - {name: batch, target: pods, match: {name: "^batch-"}, when: {reasons: [CrashLoopBackOff]}, action: delete, safetyFilters: {persistentVolumeClaims: false}}
`);
      const result = await sweep(s, config);
      assert.equal(result.code, 0, result.stderr);
      const report = parseReport(result.stdout);
      assert.deepEqual(report.actions.map((a) => [a.target.name, a.status]), [["worker-a", "done"], ["worker-b", "skipped"], ["batch-c", "done"]]);
      assert.equal(report.actions[1]!.detail, "protected now: PersistentVolumeClaims (data-worker-b): safetyFilters.persistentVolumeClaims");
      assert.ok(s.pods.has("apps/worker-b"));
    },
  );
});

test("a /version answer that is not an object (null, an array): a one-line access error, exit 2, never an internal error", async () => {
  for (const body of ["null", "[]"]) {
    await withServer({ pods: [buildPod({ name: "worker-a", restarts: 5, state: waiting("CrashLoopBackOff"), age: hours(3) })], intercept: answering("/version", body) }, async (s) => {
      const config = writeConfig("settings: {waitBetweenActions: 0s, lock: {enabled: false}}\npolicies:\n  - {name: crash, target: pods, when: {reasons: [CrashLoopBackOff]}, action: delete}\n");
      const result = await sweep(s, config, ["--retries", "0"]);
      assert.equal(result.code, 2, `${body}: ${result.stderr}`);
      assert.doesNotMatch(result.stderr, /internal error/);
      assert.match(result.stderr, /^kube-sweeper: cannot read the server version: /m);
      assert.ok(s.pods.has("apps/worker-a"));
    });
  }
});

// --- which cluster ---

test("KUBECONFIG with two files, --context from the second: that context's cluster, with the user the first file defines under the shared name (kubectl's merge)", async () => {
  const { mkdtempSync, writeFileSync } = await import("node:fs");
  const { join, delimiter } = await import("node:path");
  const { tmpdir } = await import("node:os");
  const { testCertificate } = await import("../helpers/tls.ts");
  await withServer({ token: "first-file-token", pods: [buildPod({ name: "worker-a", restarts: 5, state: waiting("CrashLoopBackOff"), age: hours(3) })] }, async (s) => {
    const ca = Buffer.from(testCertificate().cert).toString("base64");
    const dir = mkdtempSync(join(tmpdir(), "ks-two-"));
    const first = join(dir, "first");
    const second = join(dir, "second");
    writeFileSync(first, ["apiVersion: v1", "kind: Config", `clusters: [{name: dead, cluster: {server: "https://127.0.0.1:9"}}]`, "users: [{name: me, user: {token: first-file-token}}]", "contexts: [{name: one, context: {cluster: dead, user: me}}]", "current-context: one"].join("\n"));
    writeFileSync(second, ["apiVersion: v1", "kind: Config", `clusters: [{name: fake, cluster: {server: ${JSON.stringify(s.url)}, certificate-authority-data: ${ca}}}]`, "users: [{name: me, user: {token: second-file-token}}]", "contexts: [{name: two, context: {cluster: fake, user: me}}]", "current-context: two"].join("\n"));
    const config = writeConfig("policies:\n  - {name: crash, target: pods, when: {reasons: [CrashLoopBackOff]}, action: delete}\n");
    const result = await runCli(["plan", "-o", "json", "-c", config, "--context", "two"], { env: { KUBECONFIG: [first, second].join(delimiter) } });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, new RegExp(`^using context "two" \\(cluster "fake", user "me"\\) at ${s.url.replace(/\./g, "\\.")}$`, "m"));
    assert.deepEqual(parseReport(result.stdout).actions.map((a) => a.target.name), ["worker-a"]);
  });
});

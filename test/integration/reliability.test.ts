// Faults between the CLI and the API server, injected by the fake server: what is retried, what
// stops the run, and that the report tells exactly what happened.
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { readFileSync, writeFileSync } from "node:fs";
import { startFakeApiServer, status, type FakeOptions, type RecordedRequest, withFakeApiServer, type FakeApiServer } from "../fake-apiserver/server.ts";
import { buildNamespace, buildNode, buildPod, hours, waiting } from "../fixtures/builders.ts";
import { hasStackTrace, runCli, writeConfig } from "../helpers/cli.ts";
import { parseReport } from "../helpers/report-shape.ts";

const CONFIG = writeConfig(`
settings:
  waitBetweenActions: 0s
  lock: {enabled: false}
policies:
  - name: crash-looping
    target: pods
    when:
      reasons: [CrashLoopBackOff]
    action: delete
`);

const names = ["worker-a", "worker-b", "worker-c", "worker-d"];
const pods = () => names.map((name, i) => buildPod({ name, restarts: 5, state: waiting("CrashLoopBackOff"), age: hours(10 - i) }, (p) => (p.metadata!.ownerReferences![0]!.name = `rs-${name}`)));

const withServer = (options: FakeOptions, body: (server: FakeApiServer) => Promise<void>) => withFakeApiServer({ pods: pods(), nodes: [buildNode("node-1")], namespaces: [buildNamespace("apps")], ...options }, body);

const deletesOf = (requests: RecordedRequest[], name: string) => requests.filter((r) => r.method === "DELETE" && r.path.endsWith(`/pods/${name}`));
const podLists = (requests: RecordedRequest[]) => requests.filter((r) => r.method === "GET" && r.path.endsWith("/pods"));

test("reads: 429 with Retry-After is waited out as the server asked, a 503 and a reset are retried, and the plan is complete", () => {
  let lists = 0;
  let versions = 0;
  return withServer(
    {
      intercept: (req, res) => {
        if (req.path === "/version" && versions++ === 0) {
          status(res, 503, "ServiceUnavailable", "the server is currently unable to handle the request");
          return true;
        }
        if (req.method === "GET" && req.path.endsWith("/pods")) {
          lists++;
          if (lists === 1) {
            res.writeHead(429, { "Content-Type": "application/json", "Retry-After": "1" });
            res.end(JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", reason: "TooManyRequests", message: "Too many requests, please try again later.", code: 429 }));
            return true;
          }
          if (lists === 2) {
            res.socket?.destroy();
            return true;
          }
        }
        return false;
      },
    },
    async (s) => {
      const result = await runCli(["plan", "-o", "json", "-c", CONFIG, "--kubeconfig", s.kubeconfig()]);
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(parseReport(result.stdout).actions.map((a) => a.target.name), names);
      const [first, , third] = podLists(s.requests);
      assert.equal(podLists(s.requests).length, 3);
      assert.ok(third!.at - first!.at >= 1000, `Retry-After: 1 honoured (${third!.at - first!.at} ms)`);
      assert.match(result.stderr, /GET \/api\/v1\/pods: HTTP 429 TooManyRequests; retry 1 of 5/);
    },
  );
});

test("reads: an answer slower than --request-timeout is abandoned and the read retried", () => {
  let lists = 0;
  return withServer(
    {
      intercept: (req, res) => {
        if (req.method === "GET" && req.path.endsWith("/pods") && lists++ === 0) {
          setTimeout(() => status(res, 500, "InternalError", "too late"), 3000).unref();
          return true;
        }
        return false;
      },
    },
    async (s) => {
      const result = await runCli(["plan", "-o", "json", "-c", CONFIG, "--kubeconfig", s.kubeconfig(), "--request-timeout", "1s"]);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(parseReport(result.stdout).actions.length, 4);
      assert.equal(podLists(s.requests).length, 2);
      assert.match(result.stderr, /no answer within 1000 ms/);
    },
  );
});

test("writes: a delete applied but whose answer was lost is repeated with the same uid precondition and reported gone, never twice done", () => {
  let resets = 0;
  return withServer(
    {
      intercept: (req, res) => {
        if (req.method === "DELETE" && req.path.endsWith("/pods/worker-b") && resets++ === 0) {
          server!.pods.delete("apps/worker-b");
          res.socket?.destroy();
          return true;
        }
        return false;
      },
    },
    async (s) => {
      server = s;
      const uid = s.pods.get("apps/worker-b")!.metadata!.uid;
      const result = await runCli(["sweep", "-o", "json", "-c", CONFIG, "--kubeconfig", s.kubeconfig()]);
      assert.equal(result.code, 0, result.stderr);
      const report = parseReport(result.stdout);
      assert.deepEqual(report.actions.map((a) => a.status), ["done", "gone", "done", "done"]);
      assert.match(report.actions[1]!.detail, /gone on attempt 2: an earlier unanswered attempt may have deleted it/);
      const tries = deletesOf(s.requests, "worker-b");
      assert.equal(tries.length, 2);
      for (const t of tries) assert.deepEqual((t.body as { preconditions: unknown }).preconditions, { uid });
      assert.equal(s.pods.size, 0);
    },
  );
});
let server: Awaited<ReturnType<typeof startFakeApiServer>> | undefined;

test("writes: 500 then success is retried to done; the pause between tries grows", () => {
  let tries = 0;
  return withServer(
    {
      intercept: (req, res) => {
        if (req.method === "DELETE" && req.path.endsWith("/pods/worker-a") && tries++ < 2) {
          status(res, 500, "InternalError", "etcdserver: leader changed");
          return true;
        }
        return false;
      },
    },
    async (s) => {
      const result = await runCli(["sweep", "-o", "json", "-c", CONFIG, "--kubeconfig", s.kubeconfig()]);
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(parseReport(result.stdout).actions.map((a) => a.status), ["done", "done", "done", "done"]);
      const [a, b, c] = deletesOf(s.requests, "worker-a").map((r) => r.at);
      assert.ok(b! - a! >= 150 && c! - b! >= 300, `backoff ${b! - a!} ms then ${c! - b!} ms`);
    },
  );
});

test("an API server that keeps answering 503 stops the run after the retries: the rest is reported not started, exit 1", () =>
  withServer(
    {
      intercept: (req, res) => {
        if (req.method === "DELETE" && req.path.endsWith("/pods/worker-b")) {
          status(res, 503, "ServiceUnavailable", "the server is currently unable to handle the request");
          return true;
        }
        return false;
      },
    },
    async (s) => {
      const result = await runCli(["sweep", "-o", "json", "-c", CONFIG, "--kubeconfig", s.kubeconfig(), "--retries", "2"]);
      assert.equal(result.code, 1, result.stderr);
      const report = parseReport(result.stdout);
      assert.deepEqual(report.actions.map((a) => a.status), ["done", "failed", "planned", "planned"]);
      assert.match(report.actions[1]!.detail, /HTTP 503: the server is currently unable to handle the request \(after 3 attempts\)/);
      assert.equal(report.actions[2]!.detail, "not started: the API server kept answering HTTP 503");
      assert.equal(report.summary.done, 1);
      assert.equal(report.summary.failed, 1);
      assert.equal(deletesOf(s.requests, "worker-b").length, 3);
      assert.equal(deletesOf(s.requests, "worker-c").length + deletesOf(s.requests, "worker-d").length, 0);
      assert.deepEqual([...s.pods.keys()].sort(), ["apps/worker-b", "apps/worker-c", "apps/worker-d"]);
      assert.match(result.stderr, /stopped: the API server kept answering HTTP 503; 2 actions not started/);
      assert.equal(hasStackTrace(result.stderr), false);

      // The next run finishes the rest and repeats nothing that succeeded.
      s.requests.length = 0;
      const again = await runCli(["sweep", "-o", "json", "-c", CONFIG, "--kubeconfig", s.kubeconfig(), "--retries", "0"]);
      assert.deepEqual(parseReport(again.stdout).actions.map((a) => [a.target.name, a.status]), [["worker-b", "failed"], ["worker-c", "planned"], ["worker-d", "planned"]]);
      assert.equal(deletesOf(s.requests, "worker-a").length, 0);
    },
  ));

test("--deadline bounds the retries: a server that keeps failing reads does not hold the run past it", () =>
  withServer(
    {
      intercept: (req, res) => {
        if (req.method === "GET" && req.path.endsWith("/pods")) {
          status(res, 503, "ServiceUnavailable", "unavailable");
          return true;
        }
        return false;
      },
    },
    async (s) => {
      const started = Date.now();
      const result = await runCli(["sweep", "-o", "json", "-c", CONFIG, "--kubeconfig", s.kubeconfig(), "--retries", "20", "--deadline", "2s"]);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /cannot list \/api\/v1\/pods: HTTP 503/);
      // Twenty retries at up to 8 s each would take minutes; the deadline ends them.
      assert.ok(Date.now() - started < 10_000, `${Date.now() - started} ms`);
      assert.equal(s.pods.size, 4);
    },
  ));

test("--qps/--burst: requests beyond the burst are spaced at the rate", () =>
  withServer({}, async (s) => {
    const result = await runCli(["sweep", "-o", "json", "-c", CONFIG, "--kubeconfig", s.kubeconfig(), "--qps", "5", "--burst", "1"]);
    assert.equal(result.code, 0, result.stderr);
    const times = s.requests.map((r) => r.at);
    // n requests at 5/s with a burst of 1 span at least (n - 1) / 5 s (less timer slack).
    assert.ok(times.length >= 8);
    assert.ok(times.at(-1)! - times[0]! >= ((times.length - 1) / 5) * 1000 - 100, `${times.length} requests in ${times.at(-1)! - times[0]!} ms`);
  }));

test("TLS: a kubeconfig asking to skip verification is refused without --insecure-skip-tls-verify, and warned about with it", () =>
  withServer({}, async (s) => {
    const file = s.kubeconfig();
    const insecure = readFileSync(file, "utf8").replace(/certificate-authority-data: [^}]+/, "insecure-skip-tls-verify: true");
    writeFileSync(`${file}-insecure`, insecure);
    const refused = await runCli(["plan", "-o", "json", "-c", CONFIG, "--kubeconfig", `${file}-insecure`]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /^kube-sweeper: kubeconfig cluster "fake" sets insecure-skip-tls-verify; kube-sweeper verifies TLS unless --insecure-skip-tls-verify is given\n$/);
    const allowed = await runCli(["plan", "-o", "json", "-c", CONFIG, "--kubeconfig", `${file}-insecure`, "--insecure-skip-tls-verify"]);
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.match(allowed.stderr, /WARN: TLS verification is off \(--insecure-skip-tls-verify\)/);
    // Without any CA the fake server's self-signed certificate is not trusted: verification is on by default.
    writeFileSync(`${file}-noca`, readFileSync(file, "utf8").replace(/, certificate-authority-data: [^}]+/, ""));
    const untrusted = await runCli(["plan", "-o", "json", "-c", CONFIG, "--kubeconfig", `${file}-noca`]);
    assert.equal(untrusted.code, 2);
    assert.match(untrusted.stderr, /certificate/);
    assert.equal(podLists(s.requests).length, 1);
  }));

test("secrets never reach the output: the bearer token and the webhook secret appear in no log line or report, at debug level", async () => {
  const hookSecret = "whsec-5b1f0c2e9d7a4e3f8a6b";
  const token = "tok-9e8d7c6b5a4f3e2d1c0b";
  const receiver = http.createServer((req, res) => {
    req.resume();
    res.writeHead(500).end();
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const port = (receiver.address() as { port: number }).port;
  const config = writeConfig(`
settings:
  waitBetweenActions: 0s
policies:
  - name: crash-looping
    target: pods
    when: {reasons: [CrashLoopBackOff]}
    action: delete
  - name: notify-old
    target: namespaces
    match: {namespaces: [apps]}
    when: {ttl: 1h}
    action: {webhook: {url: "http://127.0.0.1:${port}/hook", secretEnv: HOOK_SECRET, retries: 0, timeout: 2s}}
`);
  try {
    await withServer(
      {
        token,
        intercept: (req, res) => {
          if (req.method === "DELETE" && req.path.endsWith("/pods/worker-c")) {
            status(res, 500, "InternalError", "boom");
            return true;
          }
          return false;
        },
      },
      async (s) => {
        const env = { HOOK_SECRET: hookSecret };
        const runs = [
          await runCli(["sweep", "-o", "json", "-c", config, "--kubeconfig", s.kubeconfig(), "--log-level", "debug", "--log-format", "json", "--retries", "0"], { env }),
          await runCli(["sweep", "-o", "table", "-c", config, "--kubeconfig", s.kubeconfig(), "--log-level", "debug", "--retries", "0"], { env }),
          await runCli(["plan", "-c", config, "--kubeconfig", s.kubeconfig("wrong-token"), "--log-level", "debug"], { env }),
          await runCli(["validate", "-c", config, "--log-level", "debug"], { env }),
        ];
        assert.equal(runs[0]!.code, 1, runs[0]!.stderr);
        assert.match(runs[0]!.stdout, /webhook answered 500/);
        assert.equal(runs[2]!.code, 2);
        for (const run of runs) {
          const output = run.stdout + run.stderr;
          assert.ok(output.length > 0);
          assert.equal(output.includes(token), false, "bearer token in the output");
          assert.equal(output.includes(hookSecret), false, "webhook secret in the output");
          assert.equal(output.includes("wrong-token"), false, "rejected token in the output");
        }
      },
    );
  } finally {
    receiver.close();
  }
});

test("odd API responses: objects without metadata, of the wrong types or from the future plan nothing; junk entries and a body that is not JSON are one-line access errors", async () => {
  let mode: "odd" | "junk" | "html" = "odd";
  await withServer(
    {
      intercept: (req, res) => {
        if (req.method !== "GET" || !req.path.endsWith("/pods")) return false;
        if (mode === "html") {
          res.writeHead(200, { "Content-Type": "text/html" });
          res.end("<html>proxy login</html>");
          return true;
        }
        res.writeHead(200, { "Content-Type": "application/json" });
        const future = new Date(Date.now() + 3_600_000).toISOString();
        const junk = mode === "junk" ? [null, 5, "x"] : [];
        res.end(JSON.stringify({ kind: "PodList", metadata: {}, items: [...junk, { metadata: null }, { metadata: { name: "worker-z", namespace: "apps", uid: "u-1", creationTimestamp: future }, status: { phase: "Running", containerStatuses: [{ name: "main", restartCount: 9, state: { waiting: { reason: "CrashLoopBackOff" } } }] } }, { metadata: { name: "worker-y", namespace: "apps", uid: "u-2" }, status: { conditions: "yes", containerStatuses: { 0: 1 } } }] }));
        return true;
      },
    },
    async (s) => {
      const aged = writeConfig(`
policies:
  - name: crash-looping
    target: pods
    when: {reasons: [CrashLoopBackOff], olderThan: 5m}
    action: delete
    ignoreProtections: [bare-pods]
`);
      const odd = await runCli(["plan", "-o", "json", "-c", aged, "--kubeconfig", s.kubeconfig()]);
      assert.equal(odd.code, 0, odd.stderr);
      assert.deepEqual(parseReport(odd.stdout).actions, []);
      // Entries that are not objects at all mean the list itself is wrong: no plan from it.
      mode = "junk";
      const junk = await runCli(["plan", "-o", "json", "-c", aged, "--kubeconfig", s.kubeconfig(), "--retries", "0"]);
      assert.equal(junk.code, 2, junk.stderr);
      assert.match(junk.stderr, /^using context "fake" .*\nkube-sweeper: cannot list \/api\/v1\/pods: HTTP 200 MalformedList: .*items\[0\] is null, not an object\n$/);
      mode = "html";
      const html = await runCli(["plan", "-o", "json", "-c", aged, "--kubeconfig", s.kubeconfig()]);
      assert.equal(html.code, 2);
      assert.match(html.stderr, /^using context "fake" .*\nkube-sweeper: cannot list \/api\/v1\/pods: HTTP 200 BadResponse: GET \/api\/v1\/pods\?limit=2000: response is not JSON\n$/);
    },
  );
});

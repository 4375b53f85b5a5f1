// One cancellation for the whole run: SIGTERM, SIGINT and --deadline end every wait and every
// request (API calls, webhook calls and their backoff), the report names the action that was
// interrupted, and the exit code is 4, also when the interruption lands during the last action.
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { type FakeOptions, withFakeApiServer, type FakeApiServer } from "../fake-apiserver/server.ts";
import { buildNamespace, buildNode, buildPod, hours, waiting } from "../fixtures/builders.ts";
import { hasStackTrace, runCli, writeConfig } from "../helpers/cli.ts";
import { parseReport } from "../helpers/report-shape.ts";

const withServer = (options: FakeOptions, body: (server: FakeApiServer) => Promise<void>) => withFakeApiServer({ pods: [], nodes: [buildNode("node-1")], namespaces: [buildNamespace("apps")], ...options }, body);

/** A webhook receiver on loopback: `hang` accepts the request and never answers; `fail` answers 503. */
async function receiver(mode: "hang" | "fail") {
  const requests: number[] = [];
  const open = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    req.resume();
    requests.push(Date.now());
    if (mode === "fail") return res.writeHead(503).end();
    open.add(res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`,
    requests,
    close: () => {
      for (const res of open) res.destroy();
      server.closeAllConnections();
      server.close();
    },
  };
}

const hookConfig = (url: string, extra: string) =>
  writeConfig(`
settings: {waitBetweenActions: 0s}
policies:
  - name: notify-old
    target: namespaces
    match: {namespaces: [apps]}
    when: {ttl: 1h}
    action: {webhook: {url: "${url}", ${extra}}}
`);

test("SIGTERM during a webhook that never answers (timeout 5m): the run ends at once, exit 4, interrupted names the action, the Lease is released", async () => {
  const hook = await receiver("hang");
  try {
    await withServer({}, async (s) => {
      let signalledAt = 0;
      const result = await runCli(["sweep", "-o", "json", "-c", hookConfig(hook.url, "timeout: 5m, retries: 3"), "--kubeconfig", s.kubeconfig()], {
        timeoutMs: 60_000,
        onSpawn: (child) => {
          const poll = setInterval(() => {
            if (hook.requests.length > 0 && !signalledAt) {
              signalledAt = Date.now();
              child.kill("SIGTERM");
            }
          }, 20);
          child.on("close", () => clearInterval(poll));
        },
      });
      const tookMs = Date.now() - signalledAt;
      assert.ok(signalledAt > 0, "the webhook was called");
      assert.equal(result.code, 4, result.stderr);
      assert.ok(tookMs < 5_000, `the run went on for ${tookMs} ms after SIGTERM`);
      const report = parseReport(result.stdout);
      assert.match(report.interrupted ?? "", /SIGTERM received.*webhook namespace apps/);
      assert.equal(report.actions[0]!.status, "failed");
      assert.match(report.actions[0]!.detail, /interrupted/);
      assert.equal(hook.requests.length, 1, "no retry after SIGTERM");
      assert.equal(hasStackTrace(result.stderr), false, result.stderr);
      assert.equal(s.leases.get("default/kube-sweeper")?.spec.holderIdentity, null, "the Lease is released");
    });
  } finally {
    hook.close();
  }
});

test("--deadline during webhook retries: the backoff does not outlive it, exit 4", async () => {
  const hook = await receiver("fail");
  try {
    await withServer({}, async (s) => {
      const started = Date.now();
      const result = await runCli(["sweep", "-o", "json", "-c", hookConfig(hook.url, "timeout: 1s, retries: 10"), "--kubeconfig", s.kubeconfig(), "--deadline", "6s"], { timeoutMs: 90_000 });
      const tookMs = Date.now() - started;
      assert.equal(result.code, 4, result.stderr);
      // Ten retries with backoff up to 8 s each would take about a minute. The deadline leaves
      // room for the read on a loaded machine: it must land during the webhook's retries.
      assert.ok(tookMs < 20_000, `the run took ${tookMs} ms with --deadline 6s`);
      const report = parseReport(result.stdout);
      assert.match(report.interrupted ?? "", /deadline 6s reached.*webhook namespace apps/);
      assert.ok(hook.requests.length < 10, `${hook.requests.length} attempts`);
    });
  } finally {
    hook.close();
  }
});

test("an interruption during the last action is one: exit 4, not 0", async () => {
  let answered: (() => void) | undefined;
  await withServer(
    {
      pods: [buildPod({ name: "worker-a", restarts: 5, state: waiting("CrashLoopBackOff"), age: hours(2) })],
      // The delete hangs until the test lets it go (after SIGTERM): the last action is in flight.
      intercept: (req, res) => {
        if (req.method !== "DELETE" || !req.path.endsWith("/pods/worker-a")) return false;
        answered = () => res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ kind: "Status", status: "Success" }));
        return true;
      },
    },
    async (s) => {
      const config = writeConfig("settings: {waitBetweenActions: 0s}\npolicies:\n  - {name: crash, target: pods, when: {reasons: [CrashLoopBackOff]}, action: delete}\n");
      const result = await runCli(["sweep", "-o", "json", "-c", config, "--kubeconfig", s.kubeconfig()], {
        timeoutMs: 60_000,
        onSpawn: (child) => {
          const poll = setInterval(() => {
            if (answered) {
              clearInterval(poll);
              child.kill("SIGTERM");
              setTimeout(() => answered!(), 300);
            }
          }, 20);
          child.on("close", () => clearInterval(poll));
        },
      });
      assert.equal(result.code, 4, result.stderr);
      const report = parseReport(result.stdout);
      assert.match(report.interrupted ?? "", /SIGTERM received.*delete pod default\/worker-a|SIGTERM received.*delete pod apps\/worker-a/);
    },
  );
});

test("SIGTERM while reading the cluster: exit 4, nothing done, no stack trace", async () => {
  let held = false;
  await withServer(
    {
      pods: [buildPod({ name: "worker-a", restarts: 5, state: waiting("CrashLoopBackOff"), age: hours(2) })],
      intercept: (req) => {
        if (req.method === "GET" && req.path === "/api/v1/pods") {
          held = true;
          return true; // never answered
        }
        return false;
      },
    },
    async (s) => {
      const config = writeConfig("settings: {waitBetweenActions: 0s}\npolicies:\n  - {name: crash, target: pods, when: {reasons: [CrashLoopBackOff]}, action: delete}\n");
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
      assert.match(result.stderr, /interrupted .*SIGTERM received.*nothing was done/);
      assert.equal(hasStackTrace(result.stderr), false, result.stderr);
      assert.equal(s.pods.size, 1);
      assert.equal(s.leases.get("default/kube-sweeper")?.spec.holderIdentity, null, "the Lease is released");
    },
  );
});

test("every user-supplied timeout and wait has a maximum: validate and the flags refuse what Node's timers would overflow", async () => {
  const hook = (timeout: string) =>
    `policies:\n  - {name: hook, target: namespaces, when: {ttl: 1h}, action: {webhook: {url: "http://127.0.0.1:9/", timeout: ${timeout}}}}\n`;
  const refused = await runCli(["validate", "-c", writeConfig(hook("25d"))]);
  assert.equal(refused.code, 2, refused.stdout);
  assert.match(refused.stderr, /policies\[0\]\.action\.webhook\.timeout: at most 10m/);
  assert.equal((await runCli(["validate", "-c", writeConfig(hook("10m"))])).code, 0);
  const cases: [string, RegExp][] = [
    ["settings: {registries: {timeout: 2h}}\n", /settings\.registries\.timeout: at most 10m/],
    ["policies:\n  - {name: side, target: sidecars, action: {terminate: {timeout: 1h}}}\n", /policies\[0\]\.action\.terminate\.timeout: at most 10m/],
    ["policies:\n  - {name: crash, target: pods, when: {restarts: {atLeast: 1}}, action: delete, schedule: {cron: '0 * * * *', window: 400d}}\n", /policies\[0\]\.schedule\.window: at most 366d/],
    ["settings: {waitBetweenActions: 2d}\n", /settings\.waitBetweenActions: at most 24h/],
  ];
  for (const [yaml, message] of cases) {
    const result = await runCli(["validate", "-c", writeConfig(yaml)]);
    assert.equal(result.code, 2, `${yaml}: ${result.stdout}`);
    assert.match(result.stderr, message);
  }
  const flag = await runCli(["plan", "--request-timeout", "25d", "-c", writeConfig(hook("1s")), "--kubeconfig", "/nonexistent"]);
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /--request-timeout: at most 10m/);
});

test("a closed stdout (EPIPE) never crashes the run: exit code of the run, the outcome on stderr, no stack trace, the Lease released", async () => {
  const { spawn } = await import("node:child_process");
  const { CLI, baseEnv } = await import("../helpers/cli.ts");
  await withServer({ pods: [buildPod({ name: "worker-a", restarts: 5, state: waiting("CrashLoopBackOff"), age: hours(2) })] }, async (s) => {
    const config = writeConfig("settings: {waitBetweenActions: 0s}\npolicies:\n  - {name: crash, target: pods, when: {reasons: [CrashLoopBackOff]}, action: delete}\n");
    const child = spawn(process.execPath, [CLI, "sweep", "-o", "json", "-c", config, "--kubeconfig", s.kubeconfig()], { env: baseEnv() });
    // The reader goes away before the report is written, as `| head -c0` or a failing jq would.
    child.stdout.destroy();
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    assert.equal(hasStackTrace(stderr), false, stderr);
    assert.equal(code, 0, stderr);
    assert.match(stderr, /stdout was closed .*report was not delivered.*exit code 0/);
    assert.equal(s.pods.size, 0, "the run acted");
    assert.equal(s.leases.get("default/kube-sweeper")?.spec.holderIdentity, null, "the Lease is released");
  });
});

test("a lock taken over by another run during a paced sweep: the next renewal finds it, the run stops acting, exit 4 naming the new holder", async () => {
  const crashing = (name: string, age: number) => buildPod({ name, restarts: 5, state: waiting("CrashLoopBackOff"), age: hours(age) }, (p) => (p.metadata!.ownerReferences![0]!.name = `rs-${name}`));
  await withServer({ pods: [crashing("worker-a", 3), crashing("worker-b", 2), crashing("worker-c", 1)] }, async (s) => {
    const config = writeConfig("policies:\n  - {name: crash, target: pods, when: {reasons: [CrashLoopBackOff]}, action: delete}\n");
    let stolen = false;
    const result = await runCli(["sweep", "-o", "json", "-c", config, "--kubeconfig", s.kubeconfig(), "--wait", "60s"], {
      timeoutMs: 90_000,
      onSpawn: (child) => {
        const poll = setInterval(() => {
          const lease = s.leases.get("default/kube-sweeper");
          // After the first delete, another run (say, one whose clock ran ahead) takes the Lease.
          if (!stolen && lease?.spec.holderIdentity && s.pods.size === 2) {
            stolen = true;
            lease.spec = { ...lease.spec, holderIdentity: "other-host:4242" };
            lease.metadata.resourceVersion = String(Number(lease.metadata.resourceVersion) + 1000);
          }
        }, 50);
        child.on("close", () => clearInterval(poll));
      },
    });
    assert.ok(stolen);
    assert.equal(result.code, 4, result.stderr);
    const report = parseReport(result.stdout);
    assert.match(report.interrupted ?? "", /the lock \(lease default\/kube-sweeper\) was lost: another run took it over \(holder other-host:4242\)/);
    assert.deepEqual(report.actions.map((a) => a.status), ["done", "planned", "planned"]);
    assert.equal(s.pods.size, 2, "no write after the lock was lost");
    assert.equal(s.leases.get("default/kube-sweeper")?.spec.holderIdentity, "other-host:4242", "the new holder's Lease is left alone");
  });
});

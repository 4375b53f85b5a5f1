// Sidecar termination through the real client's exec (WebSocket channel protocol) and pod proxy,
// against the fake API server.
import { test } from "node:test";
import assert from "node:assert/strict";
import { type FakeOptions, withFakeApiServer, type FakeApiServer } from "../fake-apiserver/server.ts";
import { buildPod, iso, minutes, T0 } from "../fixtures/builders.ts";
import { runCli, writeConfig } from "../helpers/cli.ts";
import { parseReport } from "../helpers/report-shape.ts";
import type { Pod } from "../../src/core/k8s.ts";

function jobPod(name: string, sidecar = "istio-proxy"): Pod {
  return buildPod({ name, owner: { kind: "Job", name: "batch" } }, (p) => {
    p.spec!.restartPolicy = "Never";
    p.spec!.containers = [{ name: "app" }, { name: sidecar }];
    p.status!.containerStatuses = [
      { name: "app", state: { terminated: { exitCode: 0, reason: "Completed", finishedAt: iso(T0 - minutes(5)) } } },
      { name: sidecar, state: { running: { startedAt: iso(T0 - minutes(30)) } } },
    ];
  });
}

const execConfig = (extra = "") =>
  writeConfig(`
settings: {waitBetweenActions: 0}
policies:
  - {name: sidecars, target: sidecars, sidecars: {names: [istio-proxy]}, when: {lingeringFor: 1m}, action: {terminate: {timeout: 1s${extra}}}}
`);

const withServer = (options: FakeOptions, body: (server: FakeApiServer) => Promise<void>) => withFakeApiServer({ pods: [jobPod("job-a"), buildPod({ name: "web-1" })], ...options }, body);

test("exec: `kill -TERM 1` runs in the lingering sidecar; the report names the sidecar and the main exit code", () =>
  withServer({}, async (s) => {
    const plan = parseReport((await runCli(["plan", "-o", "json", "-c", execConfig(), "--kubeconfig", s.kubeconfig()])).stdout);
    assert.deepEqual(plan.actions.map((a) => [a.target.name, a.action]), [["job-a", "terminate"]]);
    assert.ok(plan.actions[0]!.reasons.includes("main containers done: app exited 0"));
    assert.ok(plan.actions[0]!.reasons.some((r) => /still running: istio-proxy/.test(r)));
    const sweep = await runCli(["sweep", "-o", "json", "-c", execConfig(), "--kubeconfig", s.kubeconfig()]);
    assert.equal(sweep.code, 0, sweep.stderr);
    const report = parseReport(sweep.stdout);
    assert.equal(report.actions[0]!.status, "done");
    assert.match(report.actions[0]!.detail, /exec \["kill","-TERM","1"\] sent to istio-proxy/);
    const exec = s.requests.find((r) => r.method === "CONNECT")!;
    assert.equal(exec.path, "/api/v1/namespaces/apps/pods/job-a/exec");
    assert.deepEqual(exec.query.getAll("command"), ["kill", "-TERM", "1"]);
    assert.equal(exec.query.get("container"), "istio-proxy");
    // Server state: the sidecar stopped, the pod is still there.
    assert.ok(s.pods.get("apps/job-a")!.status!.containerStatuses![1]!.state!.terminated);
  }));

test("exec: a non-zero exit is a failure with its code (exit 1)", () =>
  withServer({ exec: () => ({ exitCode: 137, stdout: "no such process" }) }, async (s) => {
    const sweep = await runCli(["sweep", "-o", "json", "-c", execConfig(), "--kubeconfig", s.kubeconfig()]);
    assert.equal(sweep.code, 1, sweep.stderr);
    const action = parseReport(sweep.stdout).actions[0]!;
    assert.equal(action.status, "failed");
    assert.match(action.detail, /istio-proxy: command exited 137 \(no such process\)/);
    assert.ok(s.pods.has("apps/job-a"), "the pod must never be deleted instead");
  }));

test("exec: a command that hangs past the timeout fails, naming the timeout", () =>
  withServer({ exec: () => ({ hang: true }) }, async (s) => {
    const started = Date.now();
    const sweep = await runCli(["sweep", "-o", "json", "-c", execConfig(), "--kubeconfig", s.kubeconfig()]);
    assert.equal(sweep.code, 1, sweep.stderr);
    assert.match(parseReport(sweep.stdout).actions[0]!.detail, /istio-proxy: no exit status within 1000 ms/);
    assert.ok(Date.now() - started < 15_000);
  }));

test("exec not permitted (pods/exec): the permission check stops the run before any exec, exit 2", () =>
  withServer({ forbid: [{ verb: "create", resource: "pods/exec" }] }, async (s) => {
    const sweep = await runCli(["sweep", "-o", "json", "-c", execConfig(), "--kubeconfig", s.kubeconfig()]);
    assert.equal(sweep.code, 2, sweep.stderr);
    assert.match(sweep.stderr, /missing permission, nothing was done: create pods\/exec in namespace apps \(sidecars: terminate via exec\)/);
    assert.equal(s.requests.filter((r) => r.method === "CONNECT").length, 0);
  }));

test("exec refused at the moment of the exec (the upgrade answered 403): failed with the API server's message", () =>
  withServer({ refuseExec: { code: 403, message: 'admission webhook "exec-guard" denied the request: exec is not allowed in this namespace' } }, async (s) => {
    const sweep = await runCli(["sweep", "-o", "json", "-c", execConfig(), "--kubeconfig", s.kubeconfig()]);
    assert.equal(sweep.code, 1, sweep.stderr);
    assert.match(parseReport(sweep.stdout).actions[0]!.detail, /istio-proxy: exec not possible: HTTP 403: admission webhook "exec-guard" denied the request/);
  }));

test("http: POST :15020/quitquitquit through the pod proxy", () =>
  withServer({}, async (s) => {
    const config = writeConfig(`
settings: {waitBetweenActions: 0}
policies:
  - {name: istio, target: sidecars, sidecars: {names: [istio-proxy]}, action: {terminate: {http: {port: 15020, path: /quitquitquit}}}}
`);
    const sweep = await runCli(["sweep", "-o", "json", "-c", config, "--kubeconfig", s.kubeconfig()]);
    assert.equal(sweep.code, 0, sweep.stderr);
    assert.equal(parseReport(sweep.stdout).actions[0]!.status, "done");
    const call = s.requests.find((r) => r.path.includes("/proxy/"))!;
    assert.equal(call.method, "POST");
    // The client percent-encodes the ":" in the name; the API server decodes it.
    assert.equal(decodeURIComponent(call.path), "/api/v1/namespaces/apps/pods/job-a:15020/proxy/quitquitquit");
  }));

test("a sidecar that already stopped between plan and sweep: nothing is sent", () =>
  withServer({}, async (s) => {
    s.pods.get("apps/job-a")!.status!.containerStatuses![1]!.state = { terminated: { exitCode: 0 } };
    const sweep = await runCli(["sweep", "-o", "json", "-c", execConfig(), "--kubeconfig", s.kubeconfig()]);
    assert.equal(sweep.code, 0);
    assert.deepEqual(parseReport(sweep.stdout).actions, []);
    assert.equal(s.requests.filter((r) => r.method === "CONNECT").length, 0);
  }));

// Run metrics pushed to a real Prometheus Pushgateway (Debian's prometheus-pushgateway) with
// pushAdd: a failed run does not erase the time of the last success.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { e2eEnv, freshNamespace, Kube, waitFor } from "./harness.ts";
import { runCli, writeConfig } from "../helpers/cli.ts";

const env = e2eEnv();
const kube = new Kube(env);
let gateway: ChildProcess;
let url: string;

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

before(async () => {
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  gateway = spawn("/usr/bin/prometheus-pushgateway", [`--web.listen-address=127.0.0.1:${port}`, `--persistence.file=${join(mkdtempSync(join(tmpdir(), "ks-pgw-")), "state")}`], { stdio: "ignore" });
  await waitFor("the Pushgateway", async () => (await fetch(`${url}/-/ready`).catch(() => undefined))?.ok);
});

after(() => {
  gateway.kill();
  kube.close();
});

const metric = async (name: string) => {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name}{`) && l.includes('job="kube-sweeper"'));
  return line === undefined ? undefined : Number(line.split(" ").at(-1));
};

test("pushAdd: a successful run sets last success; a failed run updates the exit code and keeps last success", async () => {
  const ns = await freshNamespace(kube, "metrics");
  const ok = writeConfig(`settings: {waitBetweenActions: 0, lock: {namespace: ${ns}}}\npolicies:\n  - {name: crash, target: pods, when: {reasons: [CrashLoopBackOff]}, action: delete}\n`);
  const first = await runCli(["sweep", "-o", "json", "-c", ok, "-n", ns, "--kubeconfig", env.kubeconfigs.admin, "--pushgateway", url]);
  assert.equal(first.code, 0, first.stderr);
  const success = await metric("kube_sweeper_last_success_timestamp_seconds");
  assert.ok(success && Math.abs(success - Date.now() / 1000) < 60, `last success ${success}`);
  assert.equal(await metric("kube_sweeper_last_exit_code"), 0);

  // A failing action: a webhook nobody answers. The run reports, exits 1 and pushes.
  await new Promise((r) => setTimeout(r, 1100));
  const failing = writeConfig(`settings: {waitBetweenActions: 0, lock: {namespace: ${ns}}}\npolicies:\n  - {name: hook, target: namespaces, when: {ttl: 0s}, action: {webhook: {url: "http://127.0.0.1:9/", retries: 0, timeout: 1s}}}\n`);
  const second = await runCli(["sweep", "-o", "json", "-c", failing, "-n", ns, "--kubeconfig", env.kubeconfigs.admin, "--pushgateway", url]);
  assert.equal(second.code, 1, second.stderr);
  assert.equal(await metric("kube_sweeper_last_exit_code"), 1);
  assert.equal(await metric("kube_sweeper_last_success_timestamp_seconds"), success, "a failed run erased the last success");
});

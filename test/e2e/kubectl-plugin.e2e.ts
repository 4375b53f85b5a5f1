// `kubectl sweeper` through the real kubectl this tier builds: kubectl finds the plugin on PATH,
// runs it, and help and errors name the command as the user typed it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { e2eEnv } from "./harness.ts";

const root = new URL("../../", import.meta.url).pathname;
const env = e2eEnv();

/** A PATH as after `npm install -g kube-sweeper`: the bin named as npm links it, and a Node 24 first. */
function pluginPath(): { dir: string; PATH: string } {
  const dir = mkdtempSync(join(tmpdir(), "ks-plugin-"));
  symlinkSync(join(root, "bin/kubectl-sweeper.mjs"), join(dir, "kubectl-sweeper"));
  symlinkSync(process.execPath, join(dir, "node"));
  return { dir, PATH: `${dir}:${process.env.PATH}` };
}

function kubectl(args: string[], PATH: string) {
  const r = spawnSync(env.kubectl, args, { env: { PATH, HOME: mkdtempSync(join(tmpdir(), "ks-home-")), KUBECONFIG: env.kubeconfigs.admin }, encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("kubectl plugin list finds kubectl-sweeper on PATH", () => {
  const { dir, PATH } = pluginPath();
  const list = kubectl(["plugin", "list"], PATH);
  assert.equal(list.code, 0, list.stderr);
  assert.ok(list.stdout.split("\n").includes(join(dir, "kubectl-sweeper")), list.stdout);
});

test("kubectl sweeper plan over a snapshot and against the live server; help and errors say `kubectl sweeper`", () => {
  const { PATH } = pluginPath();
  const demo = kubectl(["sweeper", "plan", "--snapshot", join(root, "examples/cluster-snapshot.json"), "-c", join(root, "examples/kube-sweeper.yaml"), "--now", "2026-11-21T10:00:00Z", "-o", "name"], PATH);
  assert.equal(demo.code, 0, demo.stderr);
  assert.deepEqual(demo.stdout.trim().split("\n"), ["pod/apps/worker-7c9d-abcde", "pod/apps/api-5f6b-qrstu", "pod/apps/cache-0", "pod/batch/report-28811520-p8k2q"]);

  // kubectl passes its environment on: the plugin reads the same KUBECONFIG kubectl would.
  const live = kubectl(["sweeper", "plan", "-c", join(root, "examples/kube-sweeper.yaml"), "-o", "json"], PATH);
  assert.equal(live.code, 0, live.stderr);
  assert.equal((JSON.parse(live.stdout) as { source: { server: string } }).source.server, env.server);

  const help = kubectl(["sweeper", "plan", "--help"], PATH);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: kubectl sweeper plan \[options\]/);
  const bad = kubectl(["sweeper", "plan", "-o", "xml"], PATH);
  assert.equal(bad.code, 2, "kubectl passes the plugin's exit code on");
  assert.match(bad.stderr, /^kubectl sweeper: option '-o, --output <format>' argument 'xml' is invalid/);
});

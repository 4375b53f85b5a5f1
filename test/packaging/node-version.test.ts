// On an older Node (the system's Node 20 here) every command says which version it needs, in one
// line, before anything that would fail deep inside a dependency is loaded.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { baseEnv, writeConfig } from "../helpers/cli.ts";
import { NODE_REQUIRED } from "../../bin/require-node.mjs";

const root = new URL("../../", import.meta.url).pathname;
const oldNode = ["/usr/bin/node", "/usr/local/bin/node", "/bin/node"].find((n) => existsSync(n) && Number(spawnSync(n, ["-p", "process.versions.node.split('.')[0]"]).stdout?.toString()) < 22);

test("the version the bins ask for is the one package.json's engines declares", () => {
  const engines = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).engines.node as string;
  assert.equal(engines, `>=${NODE_REQUIRED}`);
});

test("an older Node: every command, through either bin, is one line naming the version needed, exit 2", { skip: oldNode ? false : "no Node older than 22 on this machine" }, () => {
  const kubeconfig = writeConfig("apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: 'https://127.0.0.1:1'}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n");
  const config = join(root, "examples/kube-sweeper.yaml");
  const commands = [[], ["--version"], ["--help"], ["plan", "-c", config, "--kubeconfig", kubeconfig], ["sweep", "-c", config, "--kubeconfig", kubeconfig], ["validate", "-c", config], ["explain", "a/b"], ["images"], ["restore"], ["manifests"], ["completion", "bash"], ["init"]];
  for (const [bin, name] of [["kube-sweeper.mjs", "kube-sweeper"], ["kubectl-sweeper.mjs", "kubectl sweeper"]] as const) {
    for (const args of commands) {
      const r = spawnSync(oldNode!, [join(root, "bin", bin), ...args], { env: baseEnv(), encoding: "utf8" });
      const said = `${bin} ${args.join(" ")}: ${r.stderr}`;
      assert.equal(r.status, 2, said);
      assert.equal(r.stdout, "", said);
      assert.match(r.stderr, new RegExp(`^${name}: Node\\.js >= ${NODE_REQUIRED.replace(".", "\\.")} is required \\(Node\\.js 24 recommended\\); this is Node\\.js 2\\d\\.\\d+\\.\\d+ at \\S+\\n$`), said);
    }
  }
});

test("Node 24: both bins run the CLI, and the plugin names itself `kubectl sweeper` in help and errors", () => {
  const run = (bin: string, args: string[]) => spawnSync(process.execPath, [join(root, "bin", bin), ...args], { env: baseEnv(), encoding: "utf8" });
  assert.equal(run("kube-sweeper.mjs", ["--version"]).stdout.trim(), JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version);
  const help = run("kubectl-sweeper.mjs", ["plan", "--help"]);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /^Usage: kubectl sweeper plan \[options\]/);
  const bad = run("kubectl-sweeper.mjs", ["plan", "-o", "xml"]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^kubectl sweeper: option '-o, --output <format>' argument 'xml' is invalid/);
  const none = run("kubectl-sweeper.mjs", []);
  assert.match(none.stderr, /^kubectl sweeper: a command is required/);
  assert.match(run("kube-sweeper.mjs", []).stderr, /^kube-sweeper: a command is required/);
});

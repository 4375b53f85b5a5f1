// --log-format json: every line on stderr is a JSON object, fatal errors included, so a log
// pipeline never meets a plain line it cannot parse.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli, writeConfig } from "../helpers/cli.ts";

const root = new URL("../../", import.meta.url).pathname;
const config = join(root, "examples/kube-sweeper.yaml");
const snapshot = join(root, "examples/cluster-snapshot.json");

function jsonLines(stderr: string): { level: string; msg: string; time: string }[] {
  const lines = stderr.split("\n").filter((l) => l !== "");
  assert.ok(lines.length > 0, "something was logged");
  return lines.map((line) => {
    const parsed = JSON.parse(line) as { level: string; msg: string; time: string };
    assert.match(parsed.time, /^\d{4}-\d\d-\d\dT/);
    return parsed;
  });
}

const fatal: [string, string[]][] = [
  ["an invalid -o value (commander)", ["plan", "-o", "xml"]],
  ["no command", []],
  ["an unknown command", ["sweeep"]],
  ["no config file", ["plan"]],
  ["an invalid config", ["validate", "-c", writeConfig("policies: [{name: X, target: pods, when: {olderThan: 7x}, action: delete}]\n")]],
  ["a missing kubeconfig", ["plan", "-c", config, "--kubeconfig", "/nonexistent/kubeconfig"]],
  ["a bad --now", ["plan", "-c", config, "--snapshot", snapshot, "--now", "yesterday"]],
  ["a bad explain target", ["explain", "nope", "-c", config, "--snapshot", snapshot]],
];

for (const [what, args] of fatal) {
  test(`--log-format json, ${what}: exit 2 and every stderr line is JSON at level error`, async () => {
    for (const flag of [["--log-format", "json"], ["--log-format=json"]]) {
      const result = await runCli([...args, ...flag], { cwd: mkdtempSync(join(tmpdir(), "ks-cwd-")) });
      assert.equal(result.code, 2, result.stderr);
      const lines = jsonLines(result.stderr);
      assert.ok(lines.every((l) => l.level === "error" && l.msg.length > 0), result.stderr);
    }
  });
}

test("--log-format json in a successful run: debug and info lines are JSON too", async () => {
  const plan = await runCli(["plan", "-c", config, "--snapshot", snapshot, "-o", "json", "--log-level", "debug", "--log-format", "json"]);
  assert.equal(plan.code, 0, plan.stderr);
  assert.ok(jsonLines(plan.stderr).some((l) => l.level === "debug"));
  const cwd = mkdtempSync(join(tmpdir(), "ks-cwd-"));
  const init = await runCli(["init", "--log-format", "json"], { cwd });
  assert.equal(init.code, 0);
  assert.match(jsonLines(init.stderr)[0]!.msg, /^wrote /);
});

test("without --log-format json, fatal errors stay one plain line", async () => {
  const result = await runCli(["plan", "-o", "xml"]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /^kube-sweeper: option '-o, --output <format>' argument 'xml' is invalid/);
});

// Every command's --help: the global flags it takes, and two or three examples whose commands
// and flags all exist (read back from the help itself), named as the user typed the command.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli } from "../helpers/cli.ts";
import { spawnSync } from "node:child_process";

const root = new URL("../../", import.meta.url).pathname;

function section(help: string, title: string): string[] {
  const lines = help.split("\n");
  const start = lines.indexOf(`${title}:`);
  if (start < 0) return [];
  const end = lines.findIndex((l, i) => i > start && l !== "" && !l.startsWith(" "));
  return lines.slice(start + 1, end < 0 ? undefined : end).filter((l) => l.trim() !== "");
}

const flagsIn = (lines: string[]) => new Set(lines.flatMap((l) => [...l.matchAll(/(?:^|[\s,])(--?[a-zA-Z][\w-]*)/g)].map((m) => m[1]!)));

test("every command's --help lists the global flags and 2-3 examples whose flags exist", async () => {
  const top = await runCli(["--help"]);
  const commands = section(top.stdout, "Commands").filter((l) => /^  \S/.test(l)).map((l) => l.trim().split(/\s+/)[0]!).filter((c) => c !== "help");
  assert.deepEqual(commands.sort(), ["completion", "explain", "images", "init", "manifests", "plan", "restore", "sweep", "validate"]);
  for (const command of commands) {
    const help = await runCli([command, "--help"]);
    assert.equal(help.code, 0, command);
    const global = flagsIn(section(help.stdout, "Global Options"));
    for (const flag of ["-c", "--config", "--kubeconfig", "--context", "-o", "--output", "--log-format", "--log-level", "-n", "--namespace"]) assert.ok(global.has(flag), `${command} --help lacks the global ${flag}`);
    const own = flagsIn(section(help.stdout, "Options"));
    const examples = section(help.stdout, "Examples");
    assert.ok(examples.length >= 2 && examples.length <= 3, `${command}: ${examples.length} examples`);
    for (const example of examples) {
      // Only the kube-sweeper parts of a pipeline, comments dropped.
      for (const part of example.replace(/\s#.*$/, "").split(/\||>>?|;/)) {
        const words = part.trim().split(/\s+/);
        const at = words.indexOf("kube-sweeper");
        if (at < 0) continue;
        const sub = words[at + 1]!;
        assert.ok(commands.includes(sub), `${command}: example runs unknown command ${sub}`);
        const subOwn = sub === command ? own : flagsIn(section((await runCli([sub, "--help"])).stdout, "Options"));
        const allowed = new Set([...subOwn, ...global]);
        for (const word of words.slice(at + 2).filter((w) => w.startsWith("-") && w !== "-")) {
          assert.ok(allowed.has(word.split("=")[0]!), `${command}: example "${example.trim()}" uses ${word}, which ${sub} does not take`);
        }
      }
    }
  }
});

test("through the kubectl plugin, the examples say `kubectl sweeper`", () => {
  const help = spawnSync(process.execPath, [join(root, "bin/kubectl-sweeper.mjs"), "plan", "--help"], { encoding: "utf8" });
  assert.match(help.stdout, /^Examples:\n {2}kubectl sweeper plan /m);
  assert.doesNotMatch(help.stdout, /kube-sweeper plan/);
});

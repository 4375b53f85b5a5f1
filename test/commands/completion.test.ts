// Bash completion, for real: bash sources the script the CLI prints, and the completion function
// runs with COMP_WORDS/COMP_CWORD exactly as bash sets them on TAB, calling the built CLI.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("../../", import.meta.url).pathname;
// `kube-sweeper` on PATH as npm links it, with a Node 24 first (the bin's shebang is `env node`).
const binDir = mkdtempSync(join(tmpdir(), "ks-bin-"));
symlinkSync(join(root, "bin/kube-sweeper.mjs"), join(binDir, "kube-sweeper"));
symlinkSync(process.execPath, join(binDir, "node"));
const home = mkdtempSync(join(tmpdir(), "ks-home-"));

function bash(script: string, env: Record<string, string> = {}) {
  const r = spawnSync("bash", ["--norc", "--noprofile", "-c", `source <(kube-sweeper completion bash)\n${script}`], { cwd: root, env: { PATH: `${binDir}:/usr/bin:/bin`, HOME: home, ...env }, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

/** What TAB offers after `line` (the last word, possibly empty, is the one being completed). */
function tab(line: string, env: Record<string, string> = {}): string[] {
  const words = line.split(" ");
  const quoted = words.map((w) => `'${w}'`).join(" ");
  return bash(`COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; COMP_LINE='${line}'; COMP_POINT=${line.length}\n_kube_sweeper\nprintf '%s\\n' "\${COMPREPLY[@]}"`, env).split("\n").filter(Boolean);
}

test("complete -p: the script registers its function for kube-sweeper", () => {
  assert.equal(bash("complete -p kube-sweeper").trim(), "complete -F _kube_sweeper kube-sweeper");
});

const kubeconfigs = () => {
  const dir = mkdtempSync(join(tmpdir(), "ks-kc-"));
  writeFileSync(join(dir, "a"), "apiVersion: v1\nkind: Config\ncontexts: [{name: prod-eu, context: {cluster: c}}, {name: staging, context: {cluster: c}}]\n");
  writeFileSync(join(dir, "b"), "apiVersion: v1\nkind: Config\ncontexts: [{name: prod-us, context: {cluster: c}}, {name: staging, context: {cluster: d}}]\n");
  return `${join(dir, "a")}:${join(dir, "b")}`;
};

const cases: [string, string[], Record<string, string>?][] = [
  ["kube-sweeper ", ["plan", "sweep", "validate", "explain", "restore", "manifests", "images", "completion", "init"]],
  ["kube-sweeper ex", ["explain"]],
  ["kube-sweeper plan -o ", ["table", "wide", "json", "yaml", "name", "markdown"]],
  ["kube-sweeper sweep --output ya", ["yaml"]],
  ["kube-sweeper sweep --dry", ["--dry-run"]],
  ["kube-sweeper plan --kube", ["--kubeconfig"]],
  ["kube-sweeper plan --log-level ", ["debug", "info", "warn", "error"]],
  ["kube-sweeper completion ", ["bash", "zsh", "fish"]],
  ["kube-sweeper plan --context prod", ["prod-eu", "prod-us"], { KUBECONFIG: "" }],
  ["kube-sweeper explain --snapshot examples/cluster-snapshot.json apps/worker", ["apps/worker-7c9d-abcde", "apps/worker-7c9d-fghij", "apps/worker-7c9d-klmno"]],
  ["kube-sweeper plan -c examples/kube-s", ["examples/kube-sweeper.yaml"]],
  ["kube-sweeper plan -n apps -o j", ["json"]],
];

for (const [line, expected, env] of cases) {
  test(`TAB after "${line}" offers ${expected.join(" ")}`, () => {
    const extra: Record<string, string> = env && "KUBECONFIG" in env ? { KUBECONFIG: kubeconfigs() } : {};
    const offered = tab(line, extra);
    if (line.includes("--log-level ")) assert.deepEqual([...offered].sort(), [...expected].sort());
    else assert.deepEqual(offered, expected);
  });
}

test("completion: an unknown shell is one line and exit 2", () => {
  const r = spawnSync(join(binDir, "kube-sweeper"), ["completion", "tcsh"], { env: { PATH: `${binDir}:/usr/bin:/bin`, HOME: home }, encoding: "utf8" });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^kube-sweeper: .*'tcsh' is invalid.*Allowed choices are bash, zsh, fish\.\n$/);
});

const has = (shell: string) => spawnSync("sh", ["-c", `command -v ${shell}`]).status === 0;
const env = { PATH: `${binDir}:/usr/bin:/bin`, HOME: home };
const few: [string, string[]][] = [
  ["kube-sweeper pl", ["plan"]],
  ["kube-sweeper plan -o y", ["yaml"]],
  ["kube-sweeper sweep --dry", ["--dry-run"]],
  ["kube-sweeper plan -c examples/kube-s", ["examples/kube-sweeper.yaml"]],
];

test("fish: the script, sourced by fish, completes through `complete -C`", { skip: has("fish") ? false : "fish is not installed (.ci/run installs it)" }, () => {
  for (const [line, expected] of few) {
    const r = spawnSync("fish", ["--no-config", "-c", `kube-sweeper completion fish | source; complete -C '${line}'`], { cwd: root, env, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.split("\n").filter(Boolean).map((l) => l.split("\t")[0]), expected, line);
  }
});

test("zsh: the script's function, run by zsh with words/CURRENT as the completion system sets them, offers the same", { skip: has("zsh") ? false : "zsh is not installed (.ci/run installs it)" }, () => {
  for (const [line, expected] of few) {
    const words = line.split(" ");
    // compadd and _files are the completion system's; here they print what they would offer.
    const script = `compdef() { :; }; compadd() { [[ $1 == -- ]] && shift; print -l -- "$@"; }; _files() { print -l -- \${words[CURRENT]}*(N) }
source <(kube-sweeper completion zsh)
words=(${words.map((w) => `'${w}'`).join(" ")}); CURRENT=${words.length}
_kube_sweeper`;
    const r = spawnSync("zsh", ["-f", "-c", script], { cwd: root, env, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const offered = r.stdout.split("\n").filter(Boolean).filter((c) => c.startsWith(words.at(-1)!));
    assert.deepEqual(offered, expected, line);
  }
});

// User-supplied patterns run in a linear-time engine: patterns that backtrack catastrophically in
// JavaScript's engine finish at once, and syntax the engine cannot run in linear time is a config
// error naming its path.
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { stringify } from "yaml";
import { buildNamespace, buildNode, buildPod, terminated } from "../fixtures/builders.ts";
import { runCli, writeConfig } from "../helpers/cli.ts";
import { compilePattern, PatternError } from "../../src/core/safe-regex.ts";

/** The patterns from the issue: each backtracks exponentially in a backtracking engine. */
export const WORST_PATTERNS = ["^([a-z0-9-][a-z0-9-]?)*-worker$", "^(\\w\\w?)*x$", `^${"[a-z0-9-]*".repeat(5)}\\.$`];
/** Names of the maximum length (253) that almost match, which is what makes backtracking explode. */
export const NEAR_MISSES = ["a".repeat(253), "a-".repeat(126) + "a", "0".repeat(252) + "-"];

const policy = (name: string, pattern: string) => ({
  name,
  target: "pods",
  match: { name: pattern },
  when: { exitCodes: { in: [1] } },
  action: "delete",
});

test("the issue's backtracking patterns finish at once on 253-character names, through the CLI", async () => {
  const pods = NEAR_MISSES.map((name) => buildPod({ name, state: terminated(1) }));
  pods.push(buildPod({ name: `${"a".repeat(246)}-worker`, state: terminated(1) }));
  const snapshot = writeConfig("").replace(/kube-sweeper\.yaml$/, "snapshot.json");
  writeFileSync(snapshot, JSON.stringify({ kind: "List", items: [...pods, buildNode("node-1"), buildNamespace("apps")] }));
  const config = writeConfig(stringify({ policies: WORST_PATTERNS.map((p, i) => policy(`worst-${i}`, p)) }));
  // A backtracking engine does not finish these in hours; the child is killed after 60 s.
  const result = await runCli(["plan", "-o", "json", "-c", config, "--snapshot", snapshot, "--now", "2026-11-21T10:00:00Z"], { timeoutMs: 60_000 });
  assert.equal(result.code, 0, `exit ${result.code}: ${result.stderr}`);
  const report = JSON.parse(result.stdout) as { actions: { target: { name: string } }[] };
  assert.deepEqual(
    report.actions.map((a) => a.target.name),
    [`${"a".repeat(246)}-worker`],
  );
});

test("each worst pattern decides a near-miss 253-character name in well under a millisecond's budget", () => {
  for (const source of WORST_PATTERNS) {
    const pattern = compilePattern(source);
    const started = performance.now();
    for (let i = 0; i < 100; i++) for (const name of NEAR_MISSES) assert.equal(pattern.test(name), false, source);
    const perMatchMs = (performance.now() - started) / (100 * NEAR_MISSES.length);
    // Linear time: microseconds each; the bound leaves room for a loaded machine.
    assert.ok(perMatchMs < 5, `${source}: ${perMatchMs.toFixed(3)} ms per name`);
  }
});

test("patterns keep JavaScript's meaning for the syntax both engines share", () => {
  const cases: [string, string, boolean][] = [
    ["^worker-", "worker-abc", true],
    ["^worker-", "my-worker-abc", false],
    ["worker", "my-worker-abc", true], // unanchored: a substring match, as RegExp.test
    ["^(api|web)-[a-z0-9]+$", "web-7c9", true],
    ["^(api|web)-[a-z0-9]+$", "db-7c9", false],
    ["^\\d{3}$", "123", true],
    ["^(?<app>[a-z]+)-\\w+$", "app-x1", true], // named group, JavaScript spelling
    ["^quay\\.io/", "quay.io/org/img:1", true],
    ["^quay\\.io/", "quayxio/org", false],
    ["[/]", "a/b", true],
  ];
  for (const [source, text, expected] of cases) assert.equal(compilePattern(source).test(text), expected, `${source} on ${text}`);
});

test("unsupported syntax is refused with the construct named, not silently changed", () => {
  const cases: [string, RegExp][] = [
    ["(a)\\1", /backreferences are not supported/],
    ["(?<n>a)\\k<n>", /backreferences are not supported/],
    ["^(?=worker)", /lookahead .* is not supported/],
    ["^(?!system-)", /lookahead .* is not supported/],
    ["(?<=a)b", /lookbehind .* is not supported/],
    ["(?<!a)b", /lookbehind .* is not supported/],
    ["[", /is not a regular expression: /],
    ["a{2,1}", /is not a regular expression: /],
  ];
  for (const [source, message] of cases) {
    assert.throws(() => compilePattern(source), (e: unknown) => e instanceof PatternError && message.test(e.message), source);
  }
  // Escaped and bracketed look-alikes are ordinary characters.
  for (const source of ["\\(?=x\\)", "[(?=]", "\\\\1"]) assert.doesNotThrow(() => compilePattern(source), source);
});

test("every user pattern goes through the engine: a config error with the path (match.name, images.ignore/allow, TARGETPOD)", async () => {
  const bad = "^(?!system-)";
  const configs: [unknown, RegExp][] = [
    [{ policies: [policy("p", bad)] }, /policies\[0\]\.match\.name: "\^\(\?!system-\)" is refused: lookahead/],
    [{ policies: [{ name: "ns", target: "namespaces", match: { name: bad }, when: { ttl: "1h" }, action: "deleteNamespace" }] }, /policies\[0\]\.match\.name: .* lookahead/],
    [{ policies: [{ name: "img", target: "images", images: { ignore: ["^ok", bad] } }] }, /policies\[0\]\.images\.ignore\[1\]: .* lookahead/],
    [{ policies: [{ name: "img", target: "images", images: { allow: ["(a)\\1"] } }] }, /policies\[0\]\.images\.allow\[0\]: .* backreferences/],
  ];
  for (const [config, message] of configs) {
    const result = await runCli(["validate", "-c", writeConfig(stringify(config))]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, message);
  }
  const seed = await runCli(["validate"], { env: { NAMESPACE: "apps", TARGETPOD: bad } });
  assert.equal(seed.code, 2, seed.stderr);
  assert.match(seed.stderr, /env\.TARGETPOD: "\^\(\?!system-\)" is refused: lookahead/);
  assert.equal(seed.stderr.trim().split("\n").length, 1, seed.stderr);
});

// Anything a user can type gets a documented exit code and one-line messages, never "internal
// error" and never a stack trace: commands, flags with random values, their combinations, bad
// kubeconfigs and rejected tokens against the fake API server. Random runs call the CLI's entry in
// process (fast); a bounded sample also runs the bundled CLI as a child process, as users do.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { main } from "../../src/cli.ts";
import { startFakeApiServer, type FakeApiServer } from "../fake-apiserver/server.ts";
import { buildNamespace, buildNode, buildPod, waiting } from "../fixtures/builders.ts";
import { hasStackTrace, runCli } from "../helpers/cli.ts";

const DOCUMENTED_EXIT_CODES = [0, 1, 2, 3, 4, 5];
const dir = mkdtempSync(join(tmpdir(), "ks-cli-fuzz-"));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

const crashLooping = () => buildPod({ name: "worker-a", state: waiting("CrashLoopBackOff"), restarts: 5 });
let server: FakeApiServer;
const paths: Record<string, string> = {};

before(async () => {
  server = await startFakeApiServer({ token: "good-token", pods: [crashLooping()], nodes: [buildNode("node-1")], namespaces: [buildNamespace("apps")] });
  const good = server.kubeconfig();
  Object.assign(paths, {
    goodKubeconfig: good,
    rejectedToken: server.kubeconfig("rejected-token"),
    missingKubeconfig: join(dir, "no-such-kubeconfig"),
    garbageKubeconfig: file("garbage-kubeconfig", "{{{ not yaml ]]]"),
    emptyKubeconfig: file("empty-kubeconfig", ""),
    noContext: file("no-context", "apiVersion: v1\nkind: Config\nclusters: []\nusers: []\ncontexts: []\n"),
    closedPort: file("closed-port", `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\n`),
    insecureKubeconfig: file("insecure", `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: ${JSON.stringify(server.url)}, insecure-skip-tls-verify: true}}]\nusers: [{name: u, user: {token: good-token}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\n`),
    missingExec: file("missing-exec", `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: ${JSON.stringify(server.url)}}}]\nusers: [{name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: /nonexistent/credential-plugin}}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\n`),
    missingTokenFile: file("missing-token-file", `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: ${JSON.stringify(server.url)}}}]\nusers: [{name: u, user: {tokenFile: /nonexistent/token}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\n`),
    dirAsFile: (() => {
      const d = join(dir, "a-directory");
      mkdirSync(d);
      return d;
    })(),
    config: file("config.yaml", "settings: {waitBetweenActions: 0s, lock: {enabled: true}}\npolicies:\n  - {name: crash-looping, target: pods, when: {reasons: [CrashLoopBackOff]}, action: delete}\n"),
    namespaceConfig: file("ns-config.yaml", "policies:\n  - {name: old, target: namespaces, match: {name: '^apps$'}, when: {ttl: 1h}, action: scaleDown}\n"),
    imageConfig: file("image-config.yaml", "policies:\n  - {name: pullable, target: images, images: {ignore: ['^registry\\.local/']}}\n"),
    badYaml: file("bad.yaml", "policies: [\n  - name: x\n"),
    deepYaml: file("deep.yaml", `policies: ${"[".repeat(20_000)}${"]".repeat(20_000)}\n`),
    unknownKey: file("unknown.yaml", "policies: []\nsurprise: 1\n"),
    lookahead: file("lookahead.yaml", "policies:\n  - {name: p, target: pods, match: {name: '^(?!x)'}, when: {phases: [Failed]}, action: delete}\n"),
    snapshot: file("snapshot.json", JSON.stringify({ kind: "List", items: [crashLooping(), buildNode("node-1"), buildNamespace("apps")] })),
    emptySnapshot: file("empty.json", JSON.stringify({ kind: "List", items: [] })),
    badSnapshot: file("bad-snapshot.json", '{"kind": "List", "items": [{'),
  });
});
after(async () => {
  await server.close();
});

const junk = fc.string({ maxLength: 12 });
/** Mostly values a user would type, sometimes wrong ones, rarely noise. */
const mostly = <T>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<T>, noise?: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 6, arbitrary: good }, { weight: 2, arbitrary: bad }, ...(noise ? [{ weight: 1, arbitrary: noise }] : []));
const duration = mostly(fc.constantFrom("0s", "1s", "2s", "1h30m"), fc.constantFrom("25h", "-1s", "7x", "", "1e3", "999999999999999999999"), junk);
const count = mostly(fc.constantFrom("0", "1", "3", "50"), fc.constantFrom("-1", "1.5", "abc", "", "99999999999999999999"), junk);
const pick = (key: keyof typeof paths) => fc.constant(key).map((k) => paths[k]!);
const kubeconfig = mostly(
  fc.oneof(...(["goodKubeconfig", "rejectedToken"] as const).map(pick)),
  fc.oneof(...(["missingKubeconfig", "garbageKubeconfig", "emptyKubeconfig", "noContext", "closedPort", "insecureKubeconfig", "missingExec", "missingTokenFile", "dirAsFile"] as const).map(pick)),
);
const config = mostly(
  fc.oneof(...(["config", "namespaceConfig", "imageConfig"] as const).map(pick)),
  fc.oneof(...(["badYaml", "deepYaml", "unknownKey", "lookahead", "missingKubeconfig", "dirAsFile", "snapshot"] as const).map(pick)),
);
const snapshot = mostly(fc.oneof(...(["snapshot", "emptySnapshot"] as const).map(pick)), fc.oneof(...(["badSnapshot", "missingKubeconfig", "dirAsFile", "config"] as const).map(pick)));
const flag = (name: string, values: fc.Arbitrary<string>) => values.map((v) => [name, v]);
const bare = (...names: string[]) => fc.constantFrom(...names).map((v) => [v]);

/** Global flags besides -c and --kubeconfig: each a list of argv tokens. */
const globalFlags = fc.oneof({ weight: 30, arbitrary: fc.oneof(
  flag("--context", mostly(fc.constantFrom("fake", "c"), fc.constantFrom("nope", ""), junk)),
  flag("-n", mostly(fc.constantFrom("apps", "kube-system", "other"), fc.constantFrom("UPPER", "", "a/b"), junk)),
  flag("-o", mostly(fc.constantFrom("table", "json"), fc.constantFrom("yaml", ""), junk)),
  flag("--snapshot", snapshot),
  flag("--log-format", mostly(fc.constantFrom("text", "json"), fc.constant("xml"))),
  flag("--log-level", mostly(fc.constantFrom("debug", "info", "warn", "error"), fc.constant("trace"))),
  flag("--request-timeout", mostly(fc.constantFrom("1s", "2s"), fc.constantFrom("0s", "-1s", "soon", ""))),
  flag("--qps", mostly(fc.constantFrom("0", "50", "1.5"), fc.constantFrom("-1", "abc", ""))),
  flag("--burst", mostly(fc.constantFrom("1", "100"), fc.constantFrom("0", "-5", "x"))),
  flag("--chunk-size", mostly(fc.constantFrom("1", "500", "2000"), fc.constantFrom("0", "10001", "1.5", "x", ""))),
  flag("--retries", mostly(fc.constantFrom("0", "1"), fc.constantFrom("x", "-1", ""))),
  flag("--now", mostly(fc.constant("2026-11-21T10:00:00Z"), fc.constantFrom("yesterday", "", "2026-13-45T00:00:00Z"))),
  bare("--insecure-skip-tls-verify"),
  bare("--help", "--version"),
) }, { weight: 1, arbitrary: bare("--no-such-flag", "-x", "--", "-") });

/** Flags of one command, with values good and bad. */
const commandFlags: Record<string, fc.Arbitrary<string[]>> = {
  plan: mostly(bare("--fail-on-findings"), bare("--fail-on-findings=yes")),
  sweep: fc.oneof(
    flag("--wait", duration),
    flag("--max-actions", count),
    flag("--deadline", duration),
    flag("--concurrency", count),
    mostly(bare("--dry-run", "--dry-run=client", "--dry-run=server"), bare("--dry-run=maybe", "--dry-run=")),
    flag("--metrics-file", fc.constantFrom(join(dir, "metrics.prom"), join(dir, "no-such-dir", "m.prom"), dir, "")),
    flag("--pushgateway", fc.constantFrom("http://127.0.0.1:1", "ftp://x", "not a url", "")),
  ),
  explain: fc.constant([]),
  validate: fc.constant([]),
  images: fc.oneof(
    flag("--plain-http", fc.constantFrom("127.0.0.1:1", "", "not a host")),
    flag("--concurrency", count),
    bare("--fail-on-findings"),
    flag("--metrics-file", fc.constantFrom(join(dir, "images.prom"), join(dir, "missing", "x.prom"))),
  ),
  restore: fc.oneof(flag("--selector", mostly(fc.constantFrom("app=web", "tier in (a,b)"), fc.constantFrom("app in (a", "!x", ""), junk)), bare("--dry-run")),
  manifests: fc.oneof(
    flag("--schedule", mostly(fc.constantFrom("*/10 * * * *", "@daily"), fc.constantFrom("* * *", "61 * * * *", ""), junk)),
    flag("--cronjob-api", mostly(fc.constantFrom("batch/v1", "batch/v1beta1"), fc.constant("apps/v1"))),
    bare("--namespace-scoped"),
  ),
};
const explainTarget = mostly(fc.constantFrom("apps/worker-a", "namespace/apps", "apps/nope"), fc.constantFrom("a/b/c", "/", "", "namespace/"), junk);

const invocation = fc
  .record({
    command: mostly(fc.constantFrom(...Object.keys(commandFlags)), fc.constantFrom("", "help", "delete", "PLAN", "help plan"), junk),
    target: explainTarget,
    config: fc.option(config, { freq: 6, nil: undefined }),
    kubeconfig: fc.option(kubeconfig, { freq: 6, nil: undefined }),
    globals: fc.array(globalFlags, { maxLength: 3 }),
    locals: fc.array(fc.constant(null), { maxLength: 3 }),
    stray: fc.oneof({ weight: 12, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: junk }),
  })
  .chain(({ command, target, config, kubeconfig, globals, locals, stray }) =>
    // Own keys only: fast-check's strings include "toString" and "__proto__".
    (Object.hasOwn(commandFlags, command) ? fc.tuple(...locals.map(() => commandFlags[command]!)) : fc.constant([] as string[][])).map((picked) => {
      const args = [
        ...command.split(" ").filter(Boolean),
        ...(command === "explain" ? [target] : []),
        ...picked.flat(),
        ...(config ? ["-c", config] : []),
        ...(kubeconfig ? ["--kubeconfig", kubeconfig] : []),
        ...globals.flat(),
        ...(stray === undefined ? [] : [stray]),
      ];
      // A server that refuses connections is retried with backoff: bounded here, the retry policy has its own tests.
      if (kubeconfig === paths.closedPort) args.push("--retries", "0", "--request-timeout", "2s");
      return args;
    }),
  );

function assertClean(args: string[], code: number | null, stderr: string): void {
  const where = `kube-sweeper ${args.map((a) => JSON.stringify(a)).join(" ")}\n${stderr}`;
  assert.ok(code !== null && DOCUMENTED_EXIT_CODES.includes(code), `exit ${code}: ${where}`);
  assert.doesNotMatch(stderr, /internal error/i, where);
  assert.ok(!hasStackTrace(stderr), `stack trace: ${where}`);
  for (const line of stderr.split("\n").filter((l) => l.replace(/\r|\x1b\[K/g, "").trim() !== "")) {
    // One line per message: nothing continues a message on an indented line (traces, dumps).
    assert.doesNotMatch(line, /^\s/, `continuation line: ${where}`);
    assert.doesNotMatch(line, /^(\w*Error|TypeError|RangeError|SyntaxError)\b|\bat (async )?\w+ \(|node:internal/, `raw error: ${where}`);
  }
  // With --log-format json the reason is a JSON line at level error.
  if (code === 2) assert.match(stderr, /^(kube-sweeper: \S|\{"time":"[^"]+","level":"error","msg":"\S)/m, `exit 2 without saying why: ${where}`);
}

async function inProcess(args: string[]) {
  let stdout = "";
  let stderr = "";
  const home = mkdtempSync(join(tmpdir(), "ks-fuzz-home-"));
  const code = await main(args, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env: { HOME: home }, stdoutIsTTY: false, stderrIsTTY: false });
  return { code, stdout, stderr };
}

test("explicit: the findings of the issue, each a one-line message with a documented exit code", async () => {
  const cases: [string[], number, RegExp][] = [
    // A rejected token: restore used to end with "internal error: Unauthorized".
    [["restore", "--kubeconfig", paths.rejectedToken!], 2, /^kube-sweeper: cannot list workloads to restore: HTTP 401 Unauthorized/m],
    // sweep --snapshot acts on objects read from a file: refused before anything is read.
    [["sweep", "-c", paths.config!, "--snapshot", paths.snapshot!, "--kubeconfig", paths.rejectedToken!], 2, /^kube-sweeper: sweep acts on the live cluster; --snapshot is for plan, explain, images and sweep --dry-run$/m],
    [["sweep", "-c", paths.config!, "--snapshot", paths.snapshot!, "--kubeconfig", paths.goodKubeconfig!], 2, /--snapshot is for plan, explain, images and sweep --dry-run/],
    // A YAML file nested too deeply: one line, not a second "Invalid regular expression ... Stack overflow".
    [["validate", "-c", paths.deepYaml!], 2, /^kube-sweeper: .*deep\.yaml:1:\d+: not valid YAML: nested too deeply\n$/],
  ];
  for (const [args, code, message] of cases) {
    const result = await inProcess(args);
    assertClean(args, result.code, result.stderr);
    assert.equal(result.code, code, `${args.join(" ")}: ${result.stderr}`);
    assert.match(result.stderr, message);
  }
  // The pod is still there: nothing acted on a snapshot.
  assert.ok(server.pods.has("apps/worker-a"));
  // A dry run over a snapshot is a plan and stays allowed.
  const dry = await inProcess(["sweep", "--dry-run", "-c", paths.config!, "--snapshot", paths.snapshot!, "-o", "json"]);
  assert.equal(dry.code, 0, dry.stderr);
  assert.equal((JSON.parse(dry.stdout) as { actions: { status: string }[] }).actions[0]!.status, "would-do");
});

test("explicit: a missing permission in an API group reads naturally: create events (events.k8s.io)", async () => {
  const forbidding = await startFakeApiServer({ token: "t", pods: [crashLooping()], nodes: [buildNode("node-1")], namespaces: [buildNamespace("apps")], forbid: [{ verb: "create", resource: "events" }] });
  try {
    const result = await inProcess(["sweep", "-c", paths.config!, "--kubeconfig", forbidding.kubeconfig()]);
    assertClean([], result.code, result.stderr);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /^kube-sweeper: missing permission, nothing was done: create events \(events\.k8s\.io\) in namespace apps \(an Event for every action\)$/m);
    assert.ok(forbidding.pods.has("apps/worker-a"));
  } finally {
    await forbidding.close();
  }
});

test("explicit: the debug line names the namespaces read, never namespaces=[]", async () => {
  const none = await inProcess(["plan", "-c", paths.namespaceConfig!, "--snapshot", paths.snapshot!, "--log-level", "debug"]);
  assert.equal(none.code, 0, none.stderr);
  assert.doesNotMatch(none.stderr, /namespaces=\[\]/);
  assert.match(none.stderr, /^DEBUG: not reading pods: no pod, sidecar or pod-counting policy needs them$/m);
  const all = await inProcess(["plan", "-c", paths.config!, "--snapshot", paths.snapshot!, "--log-level", "debug"]);
  assert.match(all.stderr, /^DEBUG: reading pods namespaces=all/m);
  const narrowed = await inProcess(["plan", "-c", file("apps-only.yaml", "policies:\n  - {name: p, target: pods, match: {namespaces: [apps]}, when: {phases: [Failed]}, action: delete}\n"), "-n", "other", "--snapshot", paths.snapshot!, "--log-level", "debug"]);
  assert.doesNotMatch(narrowed.stderr, /namespaces=\[\]/);
  assert.match(narrowed.stderr, /^DEBUG: reading pods namespaces=none \(-n and the policies' namespaces do not overlap\)/m);
});

test("fuzz, in process: random commands, flags and values end with a documented exit code and one-line messages", async () => {
  await fc.assert(
    fc.asyncProperty(invocation, async (args) => {
      const result = await inProcess(args);
      assertClean(args, result.code, result.stderr);
    }),
    { numRuns: 400 },
  );
});

test("fuzz, as a process: a sample of the same invocations through the bundled CLI", async () => {
  // Each spawn costs about 0.3 s: a fixed sample keeps the test bounded.
  const sample = fc.sample(invocation, { numRuns: 60, seed: 15 });
  sample.push(["restore", "--kubeconfig", paths.rejectedToken!], ["sweep", "-c", paths.config!, "--snapshot", paths.snapshot!, "--kubeconfig", paths.rejectedToken!]);
  for (const args of sample) {
    const result = await runCli(args, { timeoutMs: 60_000 });
    assertClean(args, result.code, result.stderr);
  }
});

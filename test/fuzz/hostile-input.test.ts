// Property-based tests over hostile input, through the CLI's own entry point (in process, so
// thousands of cases stay fast): config files, snapshot files, and odd objects inside them.
// Whatever comes in, the CLI answers with an exit code and one-line messages, never a stack
// trace, and never plans an action on an object whose identity or age it cannot trust.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { stringify } from "yaml";
import { main } from "../../src/cli.ts";
import { compilePattern, PatternError, type NamePattern } from "../../src/core/safe-regex.ts";
import { hasStackTrace } from "../helpers/cli.ts";

const dir = mkdtempSync(join(tmpdir(), "ks-fuzz-"));
let fileCount = 0;
function file(text: string): string {
  const path = join(dir, `input-${fileCount++}`);
  writeFileSync(path, text);
  return path;
}

async function cli(args: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await main(args, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env: {}, stdoutIsTTY: false, stderrIsTTY: false });
  return { code, stdout, stderr };
}

function assertCalm(result: { code: number; stderr: string }, allowed: number[]) {
  assert.ok(allowed.includes(result.code), `exit ${result.code}: ${result.stderr}`);
  assert.equal(hasStackTrace(result.stderr), false, result.stderr);
  assert.doesNotMatch(result.stderr, /internal error/, result.stderr);
}

const VALID = {
  settings: { waitBetweenActions: "0s", maxActions: 10 },
  policies: [
    { name: "crash", target: "pods", match: { name: "^worker-" }, when: { restarts: { atLeast: 3 }, olderThan: "5m" }, action: "delete" },
    { name: "old-ns", target: "namespaces", match: { namespaces: ["ci"] }, when: { ttl: "2h" }, action: "deleteNamespace" },
  ],
};

// Values of every awkward kind: wrong types, huge and negative numbers, deep nesting, long strings.
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.constantFrom(1e308, -1, 2 ** 53 + 1, Number.MAX_SAFE_INTEGER, 0.5, "", "999999999999999999999d", "1e9w", "-5m", "forever", null, true, [], {}),
  fc.integer({ min: 50, max: 400 }).map((depth) => JSON.parse("[".repeat(depth) + "]".repeat(depth)) as unknown),
  fc.string({ maxLength: 20_000 }),
);

/** Replaces the value at a random path in the valid config. */
const mutatedConfig = fc
  .tuple(fc.array(fc.oneof(fc.constantFrom("settings", "policies", "when", "match", "action", "name", "target", "restarts", "atLeast", "ttl", "maxActions", "waitBetweenActions", "abortIfMoreThan", "lock"), fc.nat(3)), { minLength: 1, maxLength: 4 }), hostileValue)
  .map(([path, value]) => {
    const config = structuredClone(VALID) as Record<string | number, unknown>;
    let node: Record<string | number, unknown> = config;
    for (const key of path.slice(0, -1)) {
      const next = node[key];
      if (!next || typeof next !== "object") node[key] = {};
      node = node[key] as Record<string | number, unknown>;
    }
    node[path.at(-1)!] = value;
    return config;
  });

test("config files: random text, random YAML values and mutations of a valid config exit 0 or 2 with one-line messages", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        fc.string({ maxLength: 2000 }),
        fc.string({ unit: "binary", maxLength: 500 }),
        fc.jsonValue({ maxDepth: 6 }).map((v) => stringify(v)),
        mutatedConfig.map((c) => stringify(c)),
        mutatedConfig.map((c) => JSON.stringify(c)),
        fc.integer({ min: 1000, max: 20_000 }).map((depth) => "a:\n" + "  ".repeat(1) + "[".repeat(depth)),
      ),
      async (text) => {
        const result = await cli(["validate", "-c", file(text)]);
        assertCalm(result, [0, 2]);
        if (result.code === 2) {
          for (const line of result.stderr.trim().split("\n")) assert.match(line, /^kube-sweeper: /, result.stderr);
        }
      },
    ),
    { numRuns: 300 },
  );
});

test("config files: every accepted pattern matches a near-miss name of the maximum length quickly; unsupported syntax is refused", async () => {
  for (const pattern of ["(a+)+$", "(a|aa)+$", "(.*a){20}", "([a-z]+)*$", "(x+x+)+y", "(\\w+\\s?)+$", "^(a|b|ab)*c", "^([a-z0-9-][a-z0-9-]?)*-worker$"]) {
    const config = { ...VALID, policies: [{ ...VALID.policies[0], match: { name: pattern } }] };
    const result = await cli(["validate", "-c", file(stringify(config))]);
    assert.equal(result.code, 0, `${pattern}: ${result.stderr}`);
  }
  for (const pattern of ["(\\d+)\\1", "(?=a)b", "(?<!a)b"]) {
    const config = { ...VALID, policies: [{ ...VALID.policies[0], match: { name: pattern } }] };
    const result = await cli(["validate", "-c", file(stringify(config))]);
    assert.equal(result.code, 2, pattern);
    assert.match(result.stderr, /policies\[0\]\.match\.name: .* is refused: (backreferences|lookahead|lookbehind) .*not supported/, result.stderr);
  }
  // Every accepted pattern, matched against near-miss pod names of the maximum length.
  await fc.assert(
    fc.property(fc.stringMatching(/^[-a-z.+*?()|\\[\]{}0-9^$]{1,24}$/), (source) => {
      let pattern: NamePattern;
      try {
        pattern = compilePattern(source);
      } catch (error) {
        assert.ok(error instanceof PatternError, `${source}: ${String(error)}`);
        return;
      }
      const started = performance.now();
      for (const name of ["a".repeat(253) + "!", "a-".repeat(126) + "!", "0".repeat(253) + "-"]) pattern.test(name);
      assert.ok(performance.now() - started < 1000, `${source} took ${performance.now() - started} ms`);
    }),
    { numRuns: 2000 },
  );
});

const NOW = "2026-11-21T12:00:00Z";
const nowMs = Date.parse(NOW);

const maybe = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<unknown> => fc.oneof({ weight: 6, arbitrary: arb }, fc.constant(undefined), fc.constant(null), fc.jsonValue({ maxDepth: 2 }));
const time = fc.oneof(
  // up to a year in the past, and up to a day in the future (clock skew)
  fc.integer({ min: -365 * 86_400, max: 86_400 }).map((s) => new Date(nowMs + s * 1000).toISOString().replace(/\.\d+Z$/, "Z")),
  fc.constantFrom("not a time", "", "2026-13-45T99:99:99Z", "0000-00-00T00:00:00Z"),
);
const containerStatus = fc.record(
  {
    name: maybe(fc.constantFrom("main", "sidecar", "app")),
    restartCount: maybe(fc.oneof(fc.nat(20), fc.constantFrom(-3, 1e308, Number.NaN))),
    ready: maybe(fc.boolean()),
    state: maybe(fc.oneof(fc.record({ waiting: fc.record({ reason: maybe(fc.constantFrom("CrashLoopBackOff", "ImagePullBackOff", "SomethingNew")) }) }), fc.record({ terminated: fc.record({ exitCode: maybe(fc.integer({ min: -1, max: 255 })), reason: maybe(fc.constantFrom("Error", "OOMKilled", "Completed")), finishedAt: maybe(time) }) }))),
    lastState: maybe(fc.record({ terminated: fc.record({ exitCode: maybe(fc.integer({ min: 0, max: 255 })), reason: maybe(fc.constantFrom("OOMKilled", "Error")) }) })),
  },
  { requiredKeys: [] },
);
const pod = fc.record(
  {
    kind: fc.constant("Pod"),
    metadata: maybe(
      fc.record(
        {
          name: maybe(fc.stringMatching(/^worker-[a-z0-9]{1,8}$/)),
          namespace: maybe(fc.constantFrom("apps", "ci", "kube-system")),
          uid: maybe(fc.uuid()),
          creationTimestamp: maybe(time),
          deletionTimestamp: fc.option(time, { nil: undefined }),
          labels: maybe(fc.dictionary(fc.constantFrom("app", "tier"), fc.string({ maxLength: 5 }))),
          ownerReferences: maybe(fc.array(fc.record({ kind: maybe(fc.constantFrom("ReplicaSet", "Job", "DaemonSet", "Node", "Weird")), name: maybe(fc.string({ maxLength: 8 })), controller: maybe(fc.boolean()) }, { requiredKeys: [] }), { maxLength: 2 })),
        },
        { requiredKeys: [] },
      ),
    ),
    spec: maybe(fc.record({ nodeName: maybe(fc.constantFrom("node-1", "gone")), priority: maybe(fc.integer()), containers: maybe(fc.array(fc.record({ name: fc.constantFrom("main", "sidecar") }), { maxLength: 2 })) }, { requiredKeys: [] })),
    status: maybe(
      fc.record(
        {
          phase: maybe(fc.constantFrom("Pending", "Running", "Succeeded", "Failed", "Unknown", "Exploded")),
          reason: maybe(fc.constantFrom("Evicted", "NodeLost")),
          startTime: maybe(time),
          conditions: maybe(fc.array(fc.record({ type: maybe(fc.constantFrom("Ready", "PodScheduled")), status: maybe(fc.constantFrom("True", "False", "Maybe")), lastTransitionTime: maybe(time) }, { requiredKeys: [] }), { maxLength: 3 })),
          containerStatuses: maybe(fc.array(containerStatus, { maxLength: 3 })),
        },
        { requiredKeys: [] },
      ),
    ),
  },
  { requiredKeys: ["kind"] },
);
const node = fc.record({ kind: fc.constant("Node"), metadata: maybe(fc.record({ name: maybe(fc.constantFrom("node-1", "node-2")) }, { requiredKeys: [] })), status: maybe(fc.record({ conditions: maybe(fc.array(fc.record({ type: maybe(fc.constantFrom("Ready")), status: maybe(fc.constantFrom("True", "False", "Unknown", "??")), lastTransitionTime: maybe(time) }, { requiredKeys: [] }), { maxLength: 2 })) }, { requiredKeys: [] })) }, { requiredKeys: ["kind"] });
const namespace = fc.record({ kind: fc.constant("Namespace"), metadata: maybe(fc.record({ name: maybe(fc.constantFrom("apps", "ci")), uid: maybe(fc.uuid()), creationTimestamp: maybe(time), annotations: maybe(fc.dictionary(fc.constantFrom("kube-sweeper.io/ttl", "janitor/ttl", "kube-sweeper.io/expires"), fc.oneof(fc.constantFrom("1h", "forever", "2026-11-20", "soon"), fc.string({ maxLength: 6 })))) }, { requiredKeys: [] })), status: maybe(fc.record({ phase: maybe(fc.constantFrom("Active", "Terminating", "Gone")) }, { requiredKeys: [] })) }, { requiredKeys: ["kind"] });

const SWEEP_ALL = file(
  stringify({
    settings: { waitBetweenActions: "0s" },
    policies: [
      { name: "restarts", target: "pods", when: { restarts: { atLeast: 1 }, olderThan: "1m" }, action: "delete" },
      { name: "failed", target: "pods", when: { phases: ["Failed", "Unknown"], olderThan: "1m" }, action: "delete" },
      { name: "reasons", target: "pods", when: { reasons: ["CrashLoopBackOff", "Evicted", "OOMKilled"], olderThan: "1m" }, action: "evict" },
      { name: "exits", target: "pods", when: { exitCodes: { notIn: [0] }, olderThan: "1m" }, action: "delete" },
      { name: "unready", target: "pods", when: { unreadyFor: "5m", olderThan: "1m" }, action: "delete" },
      { name: "bad-nodes", target: "pods", when: { nodeUnhealthyFor: "5m", olderThan: "1m" }, action: "delete" },
      { name: "lingering", target: "sidecars", when: { lingeringFor: "1m" }, sidecars: { names: ["sidecar"] }, action: "terminate" },
      { name: "ns-ttl", target: "namespaces", match: { namespaces: ["apps", "ci"] }, when: { ttl: "1h" }, action: "deleteNamespace" },
    ],
  }),
);

test("snapshots: arbitrary pods, nodes and namespaces (missing fields, nulls, unknown values, future times) never crash a plan, and no action targets an object it cannot identify or date", async () => {
  const validated = await cli(["validate", "-c", SWEEP_ALL]);
  assert.equal(validated.code, 0, validated.stderr);
  await fc.assert(
    fc.asyncProperty(fc.array(fc.oneof({ weight: 6, arbitrary: pod }, node, namespace), { maxLength: 40 }), fc.boolean(), async (items, asList) => {
      const text = asList ? JSON.stringify({ kind: "List", apiVersion: "v1", items }) : items.map((i) => JSON.stringify(i)).join("\n");
      const result = await cli(["plan", "-o", "json", "-c", SWEEP_ALL, "--snapshot", file(text || '{"kind":"List","items":[]}'), "--now", NOW]);
      assertCalm(result, [0, 3]);
      const report = JSON.parse(result.stdout) as { actions: { target: { kind: string; namespace?: string; name: string; uid: string } }[] };
      for (const action of report.actions) {
        const { target } = action;
        assert.ok(target.name && target.uid, `action on an unidentified object: ${JSON.stringify(action)}`);
        const source = items.find((i) => {
          const m = (i as { metadata?: { name?: unknown; uid?: unknown } }).metadata;
          return m && typeof m === "object" && m.name === target.name && m.uid === target.uid && (i as { kind: string }).kind === target.kind;
        }) as { metadata: { creationTimestamp?: unknown; namespace?: unknown } } | undefined;
        assert.ok(source, `action on an object not in the snapshot: ${JSON.stringify(action)}`);
        const created = Date.parse(String(source.metadata.creationTimestamp));
        assert.ok(Number.isFinite(created) && created <= nowMs - 60_000, `acted on an object of unknown or future age: ${JSON.stringify(source)}`);
        if (target.kind === "Pod") assert.equal(target.namespace, source.metadata.namespace);
      }
    }),
    { numRuns: 400 },
  );
});

test("snapshots: broken files (truncated, not JSON, wrong top-level shapes, huge nesting) exit 2 with one line", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        fc.string({ maxLength: 300 }),
        fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v).slice(0, -1)),
        fc.integer({ min: 1, max: 50_000 }).map((d) => "[".repeat(d) + "]".repeat(d)),
        fc.constantFrom("{}", "[]", "null", '{"items": 5}', '{"items": [null, 1, "x", {"kind": 7}]}'),
      ),
      async (text) => {
        const result = await cli(["plan", "-o", "json", "-c", SWEEP_ALL, "--snapshot", file(text), "--now", NOW]);
        assertCalm(result, [0, 2]);
        if (result.code === 2) assert.match(result.stderr, /^kube-sweeper: snapshot .+\n$/);
      },
    ),
    { numRuns: 300 },
  );
});

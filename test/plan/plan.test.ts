import { test } from "node:test";
import assert from "node:assert/strict";
import { podPoliciesOf } from "../../src/plan/collect.ts";
import { parseConfigText } from "../../src/config/load.ts";
import { buildPlan } from "../../src/plan/plan.ts";
import { chooseAction } from "../../src/plan/choose.ts";
import { evaluatePolicy } from "../../src/policies/pods/evaluate.ts";
import { podProtections } from "../../src/plan/protections.ts";
import type { Candidate } from "../../src/plan/types.ts";
import type { Settings } from "../../src/config/schema.ts";
import { buildPod, hours, T0, terminated, waiting } from "../fixtures/builders.ts";

const settings = (extra: Partial<Settings> = {}): Settings => ({ waitBetweenActions: 0, protectedNamespaces: ["kube-system"], unprotectBuiltinNamespaces: [], order: "oldest-first", namespaceManagers: false, crossNamespaceManagersFrom: [], registries: { plainHttp: [], skipTLSVerify: [], mirrors: {}, timeout: 10_000, concurrency: 16 }, registryAuth: false, lock: { enabled: true, namespace: "default", name: "kube-sweeper" }, ...extra });

function candidate(name: string, extra: Partial<Candidate> = {}): Candidate {
  return {
    target: { kind: "Pod", namespace: "apps", name, uid: `uid-${name}` },
    policy: "p",
    action: "delete",
    reasons: [],
    created: 0,
    restarts: 0,
    owner: { kind: "ReplicaSet", name: `rs-${name}` },
    ...extra,
  };
}

const names = (plan: ReturnType<typeof buildPlan>) => plan.actions.map((a) => a.target.name);

test("order oldest-first: by creation, then namespace/name", () => {
  const plan = buildPlan({ candidates: [candidate("b", { created: 2 }), candidate("c", { created: 1 }), candidate("a", { created: 2 })], evaluatedPods: 10, settings: settings() });
  assert.deepEqual(names(plan), ["c", "a", "b"]);
});

test("order most-restarts-first: by restarts, then age", () => {
  const plan = buildPlan({
    candidates: [candidate("a", { restarts: 1, created: 0 }), candidate("b", { restarts: 9, created: 5 }), candidate("c", { restarts: 9, created: 1 })],
    evaluatedPods: 10,
    settings: settings({ order: "most-restarts-first" }),
  });
  assert.deepEqual(names(plan), ["c", "b", "a"]);
});

test("maxActions 2 of 3 candidates: plans 2, skips 1 saying how full", () => {
  const plan = buildPlan({ candidates: ["a", "b", "c"].map((n, i) => candidate(n, { created: i })), evaluatedPods: 10, settings: settings({ maxActions: 2 }) });
  assert.deepEqual(names(plan), ["a", "b"]);
  assert.deepEqual(plan.skipped.map((s) => s.reason), ["limit: maxActions 2 (2 planned)"]);
});

test("maxActions 0 plans nothing", () => {
  const plan = buildPlan({ candidates: [candidate("a")], evaluatedPods: 1, settings: settings({ maxActions: 0 }) });
  assert.equal(plan.actions.length, 0);
  assert.equal(plan.skipped.length, 1);
});

test("maxActionsPerNamespace 1: one per namespace", () => {
  const plan = buildPlan({
    candidates: [candidate("a", { created: 0 }), candidate("b", { created: 1 }), candidate("c", { created: 2, target: { kind: "Pod", namespace: "other", name: "c", uid: "u" } })],
    evaluatedPods: 10,
    settings: settings({ maxActionsPerNamespace: 1 }),
  });
  assert.deepEqual(names(plan), ["a", "c"]);
  assert.deepEqual(plan.skipped.map((s) => s.reason), ["limit: maxActionsPerNamespace 1 (1 planned in apps)"]);
});

test("maxActionsPerOwner 1: two pods of one ReplicaSet -> 1 planned, 1 skipped naming the owner", () => {
  const owner = { kind: "ReplicaSet", name: "worker-7c" };
  const plan = buildPlan({ candidates: [candidate("w1", { owner, created: 0 }), candidate("w2", { owner, created: 1 }), candidate("x", { created: 2 })], evaluatedPods: 10, settings: settings({ maxActionsPerOwner: 1 }) });
  assert.deepEqual(names(plan), ["w1", "x"]);
  assert.deepEqual(plan.skipped.map((s) => s.reason), ["limit: maxActionsPerOwner 1 (ReplicaSet worker-7c)"]);
});

test("held-back candidates are skipped with their reason and do not use up limits", () => {
  const plan = buildPlan({ candidates: [candidate("a", { heldBack: "protected: bare pod" }), candidate("b")], evaluatedPods: 10, settings: settings({ maxActions: 1 }) });
  assert.deepEqual(names(plan), ["b"]);
  assert.deepEqual(plan.skipped.map((s) => s.reason), ["protected: bare pod"]);
});

const blast: [string, Partial<Settings>, number, number, RegExp | undefined][] = [
  ["count 3 with 3 targets is allowed", { abortIfMoreThan: { count: 3 } }, 3, 100, undefined],
  ["count 3 with 4 targets aborts", { abortIfMoreThan: { count: 3 } }, 4, 100, /4 targets matched, more than abortIfMoreThan\.count 3/],
  ["percent 50 with 5 of 10 is allowed", { abortIfMoreThan: { percent: 50 } }, 5, 10, undefined],
  ["percent 50 with 6 of 10 aborts", { abortIfMoreThan: { percent: 50 } }, 6, 10, /6 of 10 pods in scope \(60\.0%\)/],
  ["the guard weighs targets before limits", { abortIfMoreThan: { count: 3 }, maxActions: 1 }, 4, 100, /4 targets matched/],
];
for (const [name, extra, count, evaluated, expected] of blast) {
  test(`blast radius: ${name}`, () => {
    const candidates = Array.from({ length: count }, (_, i) => candidate(`p${i}`, { owner: undefined }));
    const plan = buildPlan({ candidates, evaluatedPods: evaluated, settings: settings(extra) });
    if (expected) assert.match(plan.abortReason ?? "", expected);
    else assert.equal(plan.abortReason, undefined);
  });
}

const twoPolicies = parseConfigText(
  `
policies:
  - name: first
    target: pods
    when: {restarts: {atLeast: 1}}
    action: delete
  - name: second
    target: pods
    when: {reasons: [CrashLoopBackOff]}
    action: evict
    ignoreProtections: [bare-pods]
  - name: windowed
    target: pods
    when: {olderThan: 0}
    action: delete
    schedule: {cron: "0 20 * * *", window: 1h, timeZone: UTC}
`,
  "cfg.yaml",
);

function choose(pod: ReturnType<typeof buildPod>, now = T0) {
  const ctx = { now, nodes: undefined, namespaces: undefined };
  const evaluations = podPoliciesOf(twoPolicies).map((p) => evaluatePolicy(pod, p, ctx));
  return chooseAction(pod, evaluations, podProtections(pod, { protectedNamespaces: new Set(), namespaces: undefined, self: undefined }), now);
}

test("one action per target: the first matching policy wins and names the others", () => {
  const c = choose(buildPod({ name: "w-1", restarts: 3, state: waiting("CrashLoopBackOff") }))!;
  assert.equal(c.policy, "first");
  assert.match(c.reasons.at(-1)!, /also matched: second, windowed/);
});

test("a protected first policy yields to a later one that opted out", () => {
  const c = choose(buildPod({ name: "w-1", owner: null, restarts: 3, state: waiting("CrashLoopBackOff") }))!;
  assert.equal(c.policy, "second");
  assert.equal(c.heldBack, undefined);
});

test("schedule: outside the window the target is held back with the next tick", () => {
  const pod = buildPod({ name: "w-1", lastState: terminated(0) });
  const c = choose(pod, Date.parse("2026-11-21T10:00:00Z"))!;
  assert.equal(c.policy, "windowed");
  assert.match(c.heldBack ?? "", /outside window .*next 2026-11-21T20:00:00Z/);
});

test("schedule: inside the window (59m after the tick) the target is eligible; at 1h it is not", () => {
  const pod = buildPod({ name: "w-1", age: hours(30) });
  assert.equal(choose(pod, Date.parse("2026-11-21T20:59:00Z"))!.heldBack, undefined);
  assert.match(choose(pod, Date.parse("2026-11-21T21:00:00Z"))!.heldBack ?? "", /outside window/);
});

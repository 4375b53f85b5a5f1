// Every pod condition, at its boundaries: exactly at the threshold and one second under.
import { test } from "node:test";
import assert from "node:assert/strict";
import { podConditions } from "../../src/policies/pods/conditions/index.ts";
import { nodeHealth, type EvaluationContext } from "../../src/policies/verdict.ts";
import { buildNode, buildPod, hours, minutes, T0, terminated, waiting, iso } from "../fixtures/builders.ts";
import type { Pod } from "../../src/core/k8s.ts";
import { compileCel } from "../../src/core/cel.ts";

const celProgram = (source: string) => {
  const compiled = compileCel(source);
  if (!compiled.ok) throw new Error(compiled.message);
  return compiled.program;
};

const SECOND = 1000;
const ctx = (extra: Partial<EvaluationContext> = {}): EvaluationContext => ({ now: T0, nodes: undefined, namespaces: undefined, ...extra });
const nodes = (...list: ReturnType<typeof buildNode>[]) => new Map(list.map((n) => [n.metadata!.name!, nodeHealth(n)]));

interface Case {
  name: string;
  holds: boolean;
  run: () => { holds: boolean; reason: string };
  reason?: RegExp;
}

const withInitRestarts = (init: number, main: number): Pod =>
  buildPod({ name: "w-1", restarts: main }, (p) => {
    p.status!.initContainerStatuses = [{ name: "init", restartCount: init }];
  });

const cases: Case[] = [
  { name: "restarts 3 with atLeast 3 holds", holds: true, run: () => podConditions.restarts(buildPod({ name: "w-1", restarts: 3 }), { atLeast: 3, includeInitContainers: false }, ctx()), reason: /^restarts 3 >= 3$/ },
  { name: "restarts 2 with atLeast 3 does not hold", holds: false, run: () => podConditions.restarts(buildPod({ name: "w-1", restarts: 2 }), { atLeast: 3, includeInitContainers: false }, ctx()), reason: /restarts 2 < 3/ },
  { name: "init restarts are ignored by default", holds: false, run: () => podConditions.restarts(withInitRestarts(5, 0), { atLeast: 1, includeInitContainers: false }, ctx()) },
  { name: "init restarts count when asked", holds: true, run: () => podConditions.restarts(withInitRestarts(5, 0), { atLeast: 5, includeInitContainers: true }, ctx()), reason: /init containers included/ },
  { name: "restarts: garbage restartCount counts as 0", holds: false, run: () => podConditions.restarts(buildPod({ name: "w-1" }, (p) => ((p.status!.containerStatuses![0]!.restartCount as unknown) = "9")), { atLeast: 1, includeInitContainers: false }, ctx()) },

  { name: "exitCodes: last exit 137 matches in [137]", holds: true, run: () => podConditions.exitCodes(buildPod({ name: "w-1", lastState: terminated(137) }), { in: [137], includeZero: false, includeInitContainers: false }, ctx()), reason: /last terminated with exit code 137/ },
  { name: "exitCodes: exit 0 needs includeZero", holds: false, run: () => podConditions.exitCodes(buildPod({ name: "w-1", state: terminated(0) }), { includeZero: false, includeInitContainers: false }, ctx()), reason: /seen 0/ },
  { name: "exitCodes: exit 0 with includeZero holds", holds: true, run: () => podConditions.exitCodes(buildPod({ name: "w-1", state: terminated(0) }), { includeZero: true, includeInitContainers: false }, ctx()) },
  { name: "exitCodes: explicit in [0] selects zero", holds: true, run: () => podConditions.exitCodes(buildPod({ name: "w-1", state: terminated(0) }), { in: [0], includeZero: false, includeInitContainers: false }, ctx()) },
  { name: "exitCodes: notIn excludes 1", holds: false, run: () => podConditions.exitCodes(buildPod({ name: "w-1", lastState: terminated(1) }), { notIn: [1], includeZero: false, includeInitContainers: false }, ctx()) },
  { name: "exitCodes: any non-zero by default", holds: true, run: () => podConditions.exitCodes(buildPod({ name: "w-1", lastState: terminated(2) }), { includeZero: false, includeInitContainers: false }, ctx()) },
  { name: "exitCodes: running pod never terminated", holds: false, run: () => podConditions.exitCodes(buildPod({ name: "w-1" }), { includeZero: true, includeInitContainers: false }, ctx()), reason: /no container has terminated/ },
  { name: "exitCodes: second container is inspected too", holds: true, run: () => podConditions.exitCodes(buildPod({ name: "w-1" }, (p) => p.status!.containerStatuses!.push({ name: "side", state: terminated(3) })), { in: [3], includeZero: false, includeInitContainers: false }, ctx()), reason: /container side/ },

  { name: "reasons: CrashLoopBackOff waiting matches", holds: true, run: () => podConditions.reasons(buildPod({ name: "w-1", state: waiting("CrashLoopBackOff") }), { in: ["CrashLoopBackOff"], includeInitContainers: false }, ctx()), reason: /container main reason CrashLoopBackOff/ },
  { name: "reasons: OOMKilled in last state matches", holds: true, run: () => podConditions.reasons(buildPod({ name: "w-1", lastState: terminated(137, "OOMKilled") }), { in: ["OOMKilled"], includeInitContainers: false }, ctx()) },
  { name: "reasons: pod status.reason Evicted matches", holds: true, run: () => podConditions.reasons(buildPod({ name: "w-1", phase: "Failed" }, (p) => (p.status!.reason = "Evicted")), { in: ["Evicted"], includeInitContainers: false }, ctx()), reason: /pod reason Evicted/ },
  { name: "reasons: unlisted reason does not match", holds: false, run: () => podConditions.reasons(buildPod({ name: "w-1", state: waiting("ImagePullBackOff") }), { in: ["CrashLoopBackOff"], includeInitContainers: false }, ctx()), reason: /seen ImagePullBackOff/ },

  { name: "phases: Failed in [Failed]", holds: true, run: () => podConditions.phases(buildPod({ name: "w-1", phase: "Failed" }), ["Failed"], ctx()) },
  { name: "phases: Running not in [Failed, Succeeded]", holds: false, run: () => podConditions.phases(buildPod({ name: "w-1" }), ["Failed", "Succeeded"], ctx()) },
  { name: "phases: missing phase does not hold", holds: false, run: () => podConditions.phases(buildPod({ name: "w-1" }, (p) => delete p.status!.phase), ["Running"], ctx()) },

  { name: "olderThan: exactly 5m holds", holds: true, run: () => podConditions.olderThan(buildPod({ name: "w-1", age: minutes(5) }), minutes(5), ctx()), reason: /age 5m >= 5m/ },
  { name: "olderThan: one second under 5m does not hold", holds: false, run: () => podConditions.olderThan(buildPod({ name: "w-1", age: minutes(5) - SECOND }), minutes(5), ctx()), reason: /age 4m59s < 5m/ },
  { name: "olderThan: creation in the future does not hold", holds: false, run: () => podConditions.olderThan(buildPod({ name: "w-1", age: -minutes(10) }), 0, ctx()), reason: /future/ },
  { name: "olderThan: no creationTimestamp does not hold", holds: false, run: () => podConditions.olderThan(buildPod({ name: "w-1" }, (p) => delete p.metadata!.creationTimestamp), 0, ctx()) },

  { name: "lifetimeOver: exactly 1h does not hold (strictly over)", holds: false, run: () => podConditions.lifetimeOver(buildPod({ name: "w-1", age: hours(1) }), hours(1), ctx()), reason: /1h <= 1h/ },
  { name: "lifetimeOver: one second over 1h holds", holds: true, run: () => podConditions.lifetimeOver(buildPod({ name: "w-1", age: hours(1) + SECOND }), hours(1), ctx()) },

  { name: "unreadyFor: unready exactly 10m holds", holds: true, run: () => podConditions.unreadyFor(buildPod({ name: "w-1", ready: false, readyFor: minutes(10) }), minutes(10), ctx()), reason: /not ready for 10m >= 10m/ },
  { name: "unreadyFor: unready one second under 10m does not hold", holds: false, run: () => podConditions.unreadyFor(buildPod({ name: "w-1", ready: false, readyFor: minutes(10) - SECOND }), minutes(10), ctx()) },
  { name: "unreadyFor: ready pod does not hold", holds: false, run: () => podConditions.unreadyFor(buildPod({ name: "w-1", ready: true }), 0, ctx()), reason: /pod is Ready/ },
  { name: "unreadyFor: no Ready condition never holds (as pod-reaper), and says so", holds: false, run: () => podConditions.unreadyFor(buildPod({ name: "w-1", age: hours(1) }, (p) => (p.status!.conditions = [])), minutes(30), ctx()), reason: /no Ready condition: never acted on/ },

  { name: "terminatingFor: deleted exactly 5m ago holds", holds: true, run: () => podConditions.terminatingFor(buildPod({ name: "w-1" }, (p) => (p.metadata!.deletionTimestamp = iso(T0 - minutes(5)))), minutes(5), ctx()), reason: /terminating for 5m >= 5m/ },
  { name: "terminatingFor: one second under 5m does not hold", holds: false, run: () => podConditions.terminatingFor(buildPod({ name: "w-1" }, (p) => (p.metadata!.deletionTimestamp = iso(T0 - minutes(5) + SECOND))), minutes(5), ctx()), reason: /4m59s < 5m/ },
  { name: "cel: age >= 2h exactly at 2h holds", holds: true, run: () => podConditions.cel(buildPod({ name: "w-1", age: hours(2) }), celProgram('age >= duration("2h")'), ctx()), reason: /is true/ },
  { name: "cel: age >= 2h one second under does not hold", holds: false, run: () => podConditions.cel(buildPod({ name: "w-1", age: hours(2) - SECOND }), celProgram('age >= duration("2h")'), ctx()), reason: /is false/ },

  { name: "nodeUnhealthyFor: NotReady exactly 5m holds", holds: true, run: () => podConditions.nodeUnhealthyFor(buildPod({ name: "w-1", node: "n1" }), minutes(5), ctx({ nodes: nodes(buildNode("n1", "False", minutes(5))) })), reason: /Ready=False for 5m >= 5m/ },
  { name: "nodeUnhealthyFor: Unknown one second under 5m does not hold", holds: false, run: () => podConditions.nodeUnhealthyFor(buildPod({ name: "w-1", node: "n1" }), minutes(5), ctx({ nodes: nodes(buildNode("n1", "Unknown", minutes(5) - SECOND)) })) },
  { name: "nodeUnhealthyFor: Ready node does not hold", holds: false, run: () => podConditions.nodeUnhealthyFor(buildPod({ name: "w-1", node: "n1" }), 0, ctx({ nodes: nodes(buildNode("n1")) })) },
  { name: "nodeUnhealthyFor: a node that is gone holds", holds: true, run: () => podConditions.nodeUnhealthyFor(buildPod({ name: "w-1", node: "n9" }), minutes(5), ctx({ nodes: nodes(buildNode("n1")) })), reason: /no longer exists/ },
  { name: "nodeUnhealthyFor: unknown node data never counts as gone", holds: false, run: () => podConditions.nodeUnhealthyFor(buildPod({ name: "w-1", node: "n9" }), 0, ctx({ nodes: undefined })), reason: /not available/ },
  { name: "nodeUnhealthyFor: unscheduled pod does not hold", holds: false, run: () => podConditions.nodeUnhealthyFor(buildPod({ name: "w-1" }, (p) => delete p.spec!.nodeName), 0, ctx({ nodes: nodes() })) },
];

for (const c of cases) {
  test(c.name, () => {
    const verdict = c.run();
    assert.equal(verdict.holds, c.holds, verdict.reason);
    if (c.reason) assert.match(verdict.reason, c.reason);
  });
}

test("every condition in the registry has boundary cases above", () => {
  const covered = new Set(cases.map((c) => c.name.split(/[: ]/)[0]));
  for (const key of Object.keys(podConditions)) assert.ok(covered.has(key), `no case for ${key}`);
});

test("builders put the pod's Ready transition where asked", () => {
  const pod = buildPod({ name: "w-1", ready: false, readyFor: minutes(3) });
  assert.equal(pod.status!.conditions![0]!.lastTransitionTime, iso(T0 - minutes(3)));
});

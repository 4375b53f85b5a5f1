// notifyBefore at its boundaries: which objects get a notice, and when it says they fall due.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseConfigText } from "../../../src/config/load.ts";
import { resourceObject, type KubeObject } from "../../../src/policies/resources/context.ts";
import { evaluateResourcePolicy } from "../../../src/policies/resources/evaluate.ts";
import { dueNotice } from "../../../src/policies/resources/notice.ts";
import { resourceProtections } from "../../../src/policies/resources/protections.ts";
import { ReferenceIndex } from "../../../src/policies/resources/references.ts";
import { module as resources } from "../../../src/policies/resources/index.ts";
import type { ResourceKind } from "../../../src/cluster/discovery.ts";
import { buildObject, hours, iso, minutes, T0 } from "../../fixtures/builders.ts";

const CM: ResourceKind = { group: "", version: "v1", resource: "configmaps", kind: "ConfigMap", namespaced: true, verbs: ["list", "delete"] };
const SECOND = 1000;

function noticeFor(policies: string, object: KubeObject) {
  const config = parseConfigText(`policies:\n${policies}`, "notice.yaml");
  const obj = resourceObject(object, CM);
  const ctx = { now: T0, references: new ReferenceIndex() };
  const evaluations = resources.policiesOf(config).map((p) => evaluateResourcePolicy(obj, p, ctx));
  const protections = resourceProtections(obj, { protectedNamespaces: new Set(["kube-system"]), namespaces: undefined, lock: undefined });
  return dueNotice(evaluations, protections, T0);
}

const TTL_1H = "  - {name: ttl, target: resources, match: {kinds: [configmaps]}, when: {ttl: 2h}, notifyBefore: 1h, action: delete}\n";
const cm = (age: number, annotations?: Record<string, string>) => buildObject("v1", "ConfigMap", "cm", { now: T0, age, ...(annotations ? { annotations } : {}) });

const cases: [name: string, policies: string, object: KubeObject, expected: { policy: string; dueAt: number; first: RegExp } | undefined][] = [
  ["ttl 2h, age 1h: due in exactly notifyBefore 1h -> a notice", TTL_1H, cm(hours(1)), { policy: "ttl", dueAt: T0 + hours(1), first: /^deletion due at \S+ \(in 1h, within notifyBefore 1h\)$/ }],
  ["ttl 2h, age 1h less a second: due in 1h1s -> none yet", TTL_1H, cm(hours(1) - SECOND), undefined],
  ["ttl 2h, age 2h: due now -> a candidate, not a notice", TTL_1H, cm(hours(2)), undefined],
  ["janitor/ttl 90m overrides: age 1h, due in 30m -> a notice at the annotation's time", TTL_1H, cm(hours(1), { "janitor/ttl": "90m" }), { policy: "ttl", dueAt: T0 + minutes(30), first: /in 30m/ }],
  ["janitor/ttl forever -> never due, no notice", TTL_1H, cm(hours(1), { "janitor/ttl": "forever" }), undefined],
  ["an unparsable janitor/ttl -> no notice (it never holds)", TTL_1H, cm(hours(1), { "janitor/ttl": "1h30m" }), undefined],
  ["protected by annotation -> no notice", TTL_1H, cm(hours(1), { "kube-sweeper.io/protect": "true" }), undefined],
  [
    "expires in 10m with notifyBefore 15m -> a notice at the expiry",
    "  - {name: exp, target: resources, match: {kinds: [configmaps]}, when: {expires: true}, notifyBefore: 15m, action: delete}\n",
    cm(hours(1), { "janitor/expires": iso(T0 + minutes(10)).replace(/\.\d+Z$/, "Z") }),
    { policy: "exp", dueAt: T0 + minutes(10), first: /in 10m, within notifyBefore 15m/ },
  ],
  [
    "expiry due but another condition (olderThan 1d) does not hold now -> no notice",
    "  - {name: exp, target: resources, match: {kinds: [configmaps]}, when: {expires: true, olderThan: 1d}, notifyBefore: 15m, action: delete}\n",
    cm(hours(1), { "janitor/expires": iso(T0 + minutes(10)).replace(/\.\d+Z$/, "Z") }),
    undefined,
  ],
  [
    "ttl and expires both pending: due when the later one is (ttl in 40m, expiry in 10m)",
    "  - {name: both, target: resources, match: {kinds: [configmaps]}, when: {ttl: 2h, expires: true}, notifyBefore: 1h, action: delete}\n",
    cm(hours(2) - minutes(40), { "janitor/expires": iso(T0 + minutes(10)).replace(/\.\d+Z$/, "Z") }),
    { policy: "both", dueAt: T0 + minutes(40), first: /in 40m/ },
  ],
  ["a policy without notifyBefore never notifies", "  - {name: quiet, target: resources, match: {kinds: [configmaps]}, when: {ttl: 2h}, action: delete}\n", cm(hours(1) + minutes(59)), undefined],
  [
    "the first policy in config order with a due notice speaks",
    "  - {name: later, target: resources, match: {kinds: [configmaps]}, when: {ttl: 3h}, notifyBefore: 1h, action: delete}\n" + TTL_1H,
    cm(hours(1) + minutes(30)),
    { policy: "ttl", dueAt: T0 + minutes(30), first: /in 30m/ },
  ],
];

for (const [name, policies, object, expected] of cases) {
  test(`notifyBefore: ${name}`, () => {
    const notice = noticeFor(policies, object);
    if (!expected) return assert.equal(notice, undefined, JSON.stringify(notice));
    assert.ok(notice, "a notice");
    assert.equal(notice.policy, expected.policy);
    assert.equal(notice.dueAt, expected.dueAt);
    assert.match(notice.reasons[0]!, expected.first);
  });
}

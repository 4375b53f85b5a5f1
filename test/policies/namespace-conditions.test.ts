// Namespace conditions at their boundaries, and the parsers behind them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { namespaceConditions } from "../../src/policies/namespaces/conditions/index.ts";
import type { NamespaceContext, PodCounts } from "../../src/policies/namespaces/context.ts";
import { parseExpiry, parseTtl } from "../../src/core/expiry.ts";
import { FOREVER } from "../../src/core/duration.ts";
import { namespaceInfo } from "../../src/cluster/view.ts";
import { buildNamespace, hours, iso, minutes, T0 } from "../fixtures/builders.ts";
import { namespaceProtections } from "../../src/plan/namespace-protections.ts";
import { protectedNamespaceSet } from "../../src/plan/protections.ts";

const SECOND = 1000;
const ns = (age: number, annotations: Record<string, string> = {}) => {
  const n = namespaceInfo(buildNamespace("preview-1", {}, annotations));
  n.creationTimestamp = iso(T0 - age);
  return n;
};
const ctx = (counts?: PodCounts): NamespaceContext => ({ now: T0, podCounts: () => counts });

const cases: [string, boolean, () => { holds: boolean; reason: string }, RegExp?][] = [
  ["ttl: exactly 2h holds", true, () => namespaceConditions.ttl(ns(hours(2)), hours(2), ctx(), 0), /age 2h >= ttl 2h \(policy\)/],
  ["ttl: one second under 2h does not hold", false, () => namespaceConditions.ttl(ns(hours(2) - SECOND), hours(2), ctx(), 0)],
  ["ttl: annotation kube-sweeper.io/ttl overrides the policy", true, () => namespaceConditions.ttl(ns(SECOND, { "kube-sweeper.io/ttl": "1s" }), hours(2), ctx(), 0), /annotation kube-sweeper.io\/ttl/],
  ["ttl: janitor/ttl is honoured", true, () => namespaceConditions.ttl(ns(minutes(5), { "janitor/ttl": "5m" }), FOREVER, ctx(), 0), /annotation janitor\/ttl/],
  ["ttl: kube-sweeper.io/ttl wins over janitor/ttl", false, () => namespaceConditions.ttl(ns(minutes(5), { "kube-sweeper.io/ttl": "1h", "janitor/ttl": "1m" }), FOREVER, ctx(), 0)],
  ["ttl: annotation forever never expires", false, () => namespaceConditions.ttl(ns(hours(10_000), { "kube-sweeper.io/ttl": "forever" }), minutes(1), ctx(), 0), /ttl forever/],
  ["ttl: policy forever never expires", false, () => namespaceConditions.ttl(ns(hours(10_000)), FOREVER, ctx(), 0)],
  ["ttl: a bad annotation is not evidence of expiry", false, () => namespaceConditions.ttl(ns(hours(10), { "kube-sweeper.io/ttl": "7x" }), minutes(1), ctx(), 0), /"7x" is not a duration/],
  ["expires: RFC 3339 in the past holds", true, () => namespaceConditions.expires(ns(hours(1), { "kube-sweeper.io/expires": iso(T0 - SECOND) }), true, ctx(), 0), /expired at/],
  ["expires: exactly now holds", true, () => namespaceConditions.expires(ns(hours(1), { "kube-sweeper.io/expires": iso(T0) }), true, ctx(), 0)],
  ["expires: one second ahead does not hold", false, () => namespaceConditions.expires(ns(hours(1), { "kube-sweeper.io/expires": iso(T0 + SECOND) }), true, ctx(), 0), /in 1s/],
  ["expires: a date means midnight UTC (past)", true, () => namespaceConditions.expires(ns(hours(1), { "kube-sweeper.io/expires": "2026-11-21" }), true, ctx(), 0)],
  ["expires: a date means midnight UTC (future)", false, () => namespaceConditions.expires(ns(hours(1), { "kube-sweeper.io/expires": "2026-11-22" }), true, ctx(), 0)],
  ["expires: janitor/expires is honoured", true, () => namespaceConditions.expires(ns(hours(1), { "janitor/expires": "2026-11-21T09:00" }), true, ctx(), 0)],
  ["expires: no annotation does not hold", false, () => namespaceConditions.expires(ns(hours(1)), true, ctx(), 0), /no kube-sweeper.io\/expires/],
  ["expires: garbage annotation does not hold", false, () => namespaceConditions.expires(ns(hours(1), { "kube-sweeper.io/expires": "tomorrow" }), true, ctx(), 0), /is not a time/],
  ["podsSucceeded: 3 of 3 Succeeded holds", true, () => namespaceConditions.podsSucceeded(ns(hours(1)), { initialDelay: 0, allowNone: true, selector: { text: "job=e2e", requirements: [] } }, ctx({ total: 3, succeeded: 3, failed: 0 }), 0), /3 of 3 pods \(job=e2e\) Succeeded/],
  ["podsSucceeded: 2 of 3 does not hold", false, () => namespaceConditions.podsSucceeded(ns(hours(1)), { initialDelay: 0, allowNone: true }, ctx({ total: 3, succeeded: 2, failed: 1 }), 0), /2 of 3 pods Succeeded \(1 Failed\)/],
  ["podsSucceeded: no pods holds with allowNone (the seed's behaviour)", true, () => namespaceConditions.podsSucceeded(ns(hours(1)), { initialDelay: 0, allowNone: true }, ctx({ total: 0, succeeded: 0, failed: 0 }), 0)],
  ["podsSucceeded: no pods does not hold without allowNone", false, () => namespaceConditions.podsSucceeded(ns(hours(1)), { initialDelay: 0, allowNone: false }, ctx({ total: 0, succeeded: 0, failed: 0 }), 0)],
  ["podsSucceeded: within the initial delay does not hold", false, () => namespaceConditions.podsSucceeded(ns(minutes(5) - SECOND), { initialDelay: minutes(5), allowNone: true }, ctx({ total: 1, succeeded: 1, failed: 0 }), 0), /initial delay/],
  ["podsSucceeded: exactly at the initial delay holds", true, () => namespaceConditions.podsSucceeded(ns(minutes(5)), { initialDelay: minutes(5), allowNone: true }, ctx({ total: 1, succeeded: 1, failed: 0 }), 0)],
  ["podsSucceeded: pods not read does not hold", false, () => namespaceConditions.podsSucceeded(ns(hours(1)), { initialDelay: 0, allowNone: true }, ctx(undefined), 0), /pods not read/],
];

for (const [name, holds, run, reason] of cases) {
  test(name, () => {
    const verdict = run();
    assert.equal(verdict.holds, holds, verdict.reason);
    if (reason) assert.match(verdict.reason, reason);
  });
}

const ttls: [string, number | undefined][] = [["30m", 1_800_000], ["1h30m", 5_400_000], ["forever", FOREVER], ["7x", undefined], ["", undefined]];
for (const [text, ms] of ttls) {
  test(`parseTtl(${JSON.stringify(text)}) -> ${ms ?? "error"}`, () => {
    const parsed = parseTtl(text);
    assert.equal(parsed.ok ? parsed.value : undefined, ms);
  });
}

const expiries: [string, string | undefined][] = [
  ["2026-11-21T10:00:00Z", "2026-11-21T10:00:00.000Z"],
  ["2026-11-21T12:00:00+02:00", "2026-11-21T10:00:00.000Z"],
  ["2026-11-21", "2026-11-21T00:00:00.000Z"],
  ["2026-11-21T10:30", "2026-11-21T10:30:00.000Z"],
  ["21.11.2026", undefined],
  ["2026-13-45", undefined],
];
for (const [text, at] of expiries) {
  test(`parseExpiry(${JSON.stringify(text)}) -> ${at ?? "error"}`, () => {
    const parsed = parseExpiry(text);
    assert.equal(parsed.ok ? new Date(parsed.value).toISOString() : undefined, at);
  });
}

test("namespace protections: default, kube-system, settings list, own namespace, annotation, terminating, all listed", () => {
  const protectedSet = protectedNamespaceSet({ protectedNamespaces: ["team-infra"], unprotectBuiltinNamespaces: [] }, true);
  assert.deepEqual(namespaceProtections(namespaceInfo(buildNamespace("default")), protectedSet, undefined), ["protected namespace default"]);
  assert.deepEqual(namespaceProtections(namespaceInfo(buildNamespace("team-infra")), protectedSet, undefined), ["protected namespace team-infra"]);
  assert.deepEqual(namespaceProtections(namespaceInfo(buildNamespace("ops")), protectedSet, "ops"), ["the sweeper's own namespace"]);
  const dying = namespaceInfo(buildNamespace("kube-system", {}, { "kube-sweeper.io/protect": "true" }));
  dying.phase = "Terminating";
  assert.equal(namespaceProtections(dying, protectedSet, undefined).length, 3);
  assert.deepEqual(namespaceProtections(namespaceInfo(buildNamespace("preview-1")), protectedSet, undefined), []);
});

// janitor/ttl and janitor/expires exactly as kube-janitor's parse_ttl and parse_expiry read them
// (hjacobs/kube-janitor, kube_janitor/helper.py and tests/test_parse_ttl.py, test_parse_expiry.py):
// a value kube-janitor ignores must never make kube-sweeper delete. kube-sweeper.io/* are more lenient.
import { test } from "node:test";
import assert from "node:assert/strict";
import { FOREVER } from "../../src/core/duration.ts";
import { parseExpiry, parseJanitorExpiry, parseJanitorTtl, parseTtl } from "../../src/core/expiry.ts";
import { namespaceConditions } from "../../src/policies/namespaces/conditions/index.ts";
import { namespaceInfo } from "../../src/cluster/view.ts";
import { buildNamespace, hours, iso, T0 } from "../fixtures/builders.ts";

const janitorTtls: [string, string, number | undefined][] = [
  ["test_parse_ttl: foo is rejected", "foo", undefined],
  ["test_parse_ttl: 1y is rejected (no year unit)", "1y", undefined],
  ["test_parse_ttl: 1s", "1s", 1_000],
  ["test_parse_ttl: 08s (leading zero)", "08s", 8_000],
  ["test_parse_ttl: 5m", "5m", 300_000],
  ["test_parse_ttl: 2h", "2h", 7_200_000],
  ["test_parse_ttl: 7d", "7d", 604_800_000],
  ["test_parse_ttl: 1w", "1w", 604_800_000],
  ["test_parse_ttl: forever", "forever", FOREVER],
  ["helper.parse_ttl lower-cases forever", "Forever", FOREVER],
  ["TTL_PATTERN: a number without a unit is not a TTL", "3600", undefined],
  ["TTL_PATTERN: one unit only, no 1h30m", "1h30m", undefined],
  ["TTL_PATTERN: no fractions", "1.5h", undefined],
  ["TTL_PATTERN: no Go units", "500ms", undefined],
  ["TTL_PATTERN: no surrounding space", " 5m", undefined],
  ["TTL_PATTERN: upper-case unit is not a unit", "5M", undefined],
  ["TTL_PATTERN: Python's $ allows one final newline", "5m\n", 300_000],
  ["handle_resource_on_ttl: a TTL of 0 is ignored", "0s", undefined],
];
for (const [name, text, ms] of janitorTtls) {
  test(`janitor/ttl ${JSON.stringify(text)} -> ${ms ?? "ignored"} (${name})`, () => {
    const parsed = parseJanitorTtl(text);
    assert.equal(parsed.ok ? parsed.value : undefined, ms, parsed.ok ? "" : parsed.error);
  });
}

const sweeperTtls: [string, number | undefined][] = [["3600", 3_600_000], ["1h30m", 5_400_000], ["1.5h", 5_400_000], ["500ms", 500], ["forever", FOREVER], ["7x", undefined]];
for (const [text, ms] of sweeperTtls) {
  test(`kube-sweeper.io/ttl ${JSON.stringify(text)} -> ${ms ?? "error"} (more lenient than kube-janitor)`, () => {
    const parsed = parseTtl(text);
    assert.equal(parsed.ok ? parsed.value : undefined, ms);
  });
}

const janitorExpiries: [string, string, string | undefined][] = [
  ["test_parse_expiry: 99-06-02T12:12:59 is rejected", "99-06-02T12:12:59", undefined],
  ["test_parse_expiry: a space instead of T is rejected", "2010-12-12 09:26:11", undefined],
  ["test_parse_expiry: 2008-09-26T01:51:42Z", "2008-09-26T01:51:42Z", "2008-09-26T01:51:42.000Z"],
  ["test_parse_expiry: 2008-09-26T01:51", "2008-09-26T01:51", "2008-09-26T01:51:00.000Z"],
  ["test_parse_expiry: 2008-09-26", "2008-09-26", "2008-09-26T00:00:00.000Z"],
  ["strptime: one-digit month and day", "2026-1-5", "2026-01-05T00:00:00.000Z"],
  ["strptime: T and Z in either case", "2026-11-21t10:00:00z", "2026-11-21T10:00:00.000Z"],
  ["strptime: one-digit hour, minute and second", "2026-11-21T1:2:3Z", "2026-11-21T01:02:03.000Z"],
  ["strptime: no fractional seconds", "2026-11-21T10:00:00.5Z", undefined],
  ["strptime: no offsets", "2026-11-21T12:00:00+02:00", undefined],
  ["strptime: seconds without Z", "2026-11-21T10:00:00", undefined],
  ["strptime: month 13", "2026-13-01", undefined],
  ["datetime: 31 February", "2026-02-31", undefined],
  ["datetime: second 60", "2026-11-21T10:00:60Z", undefined],
  ["strptime: %Y is four digits", "12026-11-21", undefined],
  ["strptime: no surrounding space", " 2026-11-21", undefined],
];
for (const [name, text, at] of janitorExpiries) {
  test(`janitor/expires ${JSON.stringify(text)} -> ${at ?? "ignored"} (${name})`, () => {
    const parsed = parseJanitorExpiry(text);
    assert.equal(parsed.ok ? new Date(parsed.value).toISOString() : undefined, at);
  });
}

const sweeperExpiries: [string, string | undefined][] = [
  ["2026-11-21T12:00:00+02:00", "2026-11-21T10:00:00.000Z"],
  ["2026-11-21T10:00:00.250Z", "2026-11-21T10:00:00.250Z"],
  ["2026-11-21", "2026-11-21T00:00:00.000Z"],
  ["tomorrow", undefined],
];
for (const [text, at] of sweeperExpiries) {
  test(`kube-sweeper.io/expires ${JSON.stringify(text)} -> ${at ?? "error"} (RFC 3339 too)`, () => {
    const parsed = parseExpiry(text);
    assert.equal(parsed.ok ? new Date(parsed.value).toISOString() : undefined, at);
  });
}

// The conditions pick each annotation's own parser: nothing is deleted on a value kube-janitor ignores.
const old = (annotations: Record<string, string>) => {
  const n = namespaceInfo(buildNamespace("preview-1", {}, annotations));
  n.creationTimestamp = iso(T0 - hours(48));
  return n;
};
const ctx = { now: T0, podCounts: () => undefined };
const conditionCases: [string, boolean, () => { holds: boolean; reason: string }][] = [
  ["ttl: janitor/ttl 3600 (no unit) never holds", false, () => namespaceConditions.ttl(old({ "janitor/ttl": "3600" }), FOREVER, ctx, 0)],
  ["ttl: janitor/ttl 1h30m never holds", false, () => namespaceConditions.ttl(old({ "janitor/ttl": "1h30m" }), FOREVER, ctx, 0)],
  ["ttl: janitor/ttl 0s never holds", false, () => namespaceConditions.ttl(old({ "janitor/ttl": "0s" }), FOREVER, ctx, 0)],
  ["ttl: kube-sweeper.io/ttl 3600 holds (whole seconds)", true, () => namespaceConditions.ttl(old({ "kube-sweeper.io/ttl": "3600" }), FOREVER, ctx, 0)],
  ["ttl: janitor/ttl 24h holds", true, () => namespaceConditions.ttl(old({ "janitor/ttl": "24h" }), FOREVER, ctx, 0)],
  ["ttl: an empty janitor/ttl counts as absent (the policy's ttl applies)", true, () => namespaceConditions.ttl(old({ "janitor/ttl": "" }), hours(1), ctx, 0)],
  ["expires: janitor/expires with an offset never holds", false, () => namespaceConditions.expires(old({ "janitor/expires": "2020-01-01T00:00:00+00:00" }), true, ctx, 0)],
  ["expires: kube-sweeper.io/expires with an offset holds", true, () => namespaceConditions.expires(old({ "kube-sweeper.io/expires": "2020-01-01T00:00:00+00:00" }), true, ctx, 0)],
  ["expires: janitor/expires 2020-1-1 holds (strptime)", true, () => namespaceConditions.expires(old({ "janitor/expires": "2020-1-1" }), true, ctx, 0)],
];
for (const [name, holds, run] of conditionCases) {
  test(name, () => {
    const verdict = run();
    assert.equal(verdict.holds, holds, verdict.reason);
    if (!holds) assert.match(verdict.reason, /kube-janitor|ttl|expires|not a/);
  });
}

// Per-namespace TTL and expiry annotations, in kube-sweeper's and kube-janitor's spellings.
import { FOREVER, parseDuration } from "./duration.ts";

export const TTL_ANNOTATIONS = ["kube-sweeper.io/ttl", "janitor/ttl"] as const;
export const EXPIRES_ANNOTATIONS = ["kube-sweeper.io/expires", "janitor/expires"] as const;

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * kube-janitor's TTL, exactly as its parse_ttl reads it: one whole number and one unit of
 * s, m, h, d, w ("forever" in any case never expires). Anything else (a bare number, 1h30m,
 * 1.5h, a space) is not a TTL there, so it is not one here either. Python's `$` also matches
 * before a final newline, and so does this. A TTL of 0 is ignored by kube-janitor (it deletes
 * only when the TTL is above 0), so 0 is refused too.
 */
export function parseJanitorTtl(value: string): Parsed<number> {
  if (value.toLowerCase() === "forever") return { ok: true, value: FOREVER };
  const match = /^(\d+)([smhdw])\n?$/.exec(value);
  if (!match) return { ok: false, error: `${JSON.stringify(value)} is not a kube-janitor TTL (one number and one unit, e.g. 60s, 5m, 8h, 7d, 2w, or forever)` };
  const ms = Number(match[1]) * JANITOR_UNIT_MS[match[2] as keyof typeof JANITOR_UNIT_MS];
  if (ms === 0) return { ok: false, error: `${JSON.stringify(value)}: kube-janitor ignores a TTL of 0` };
  if (!Number.isSafeInteger(ms)) return { ok: false, error: `${JSON.stringify(value)} is too long` };
  return { ok: true, value: ms };
}

const JANITOR_UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/** kube-sweeper's own TTL annotation is more lenient: any duration (Go syntax, d, w, whole seconds) or "forever". */
export function parseTtl(value: string): Parsed<number> {
  if (value.trim() === "forever") return { ok: true, value: FOREVER };
  try {
    return { ok: true, value: parseDuration(value) };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

// kube-janitor's parse_expiry tries strptime with %Y-%m-%dT%H:%M:%SZ, %Y-%m-%dT%H:%M and
// %Y-%m-%d, and reads the result as UTC. strptime's fields: %Y four digits; %m and %H one or two
// digits; %d one or two digits, or a space and one digit; %M and %S one or two digits; the
// literals T and Z in either case. Out-of-range values (month 13, 31 February, second 60) fail.
const M = "(1[0-2]|0[1-9]|[1-9])";
const D = "(3[01]|[12]\\d|0[1-9]|[1-9]| [1-9])";
const H = "(2[0-3]|[01]\\d|\\d)";
const MIN = "([0-5]\\d|\\d)";
const S = "(6[01]|[0-5]\\d|\\d)";
const JANITOR_EXPIRY = [
  new RegExp(`^(\\d{4})-${M}-${D}T${H}:${MIN}:${S}Z$`, "i"),
  new RegExp(`^(\\d{4})-${M}-${D}T${H}:${MIN}$`, "i"),
  new RegExp(`^(\\d{4})-${M}-${D}$`),
];

/** kube-janitor's expiry, exactly as its parse_expiry reads it (UTC). */
export function parseJanitorExpiry(value: string): Parsed<number> {
  for (const pattern of JANITOR_EXPIRY) {
    const match = pattern.exec(value);
    if (!match) continue;
    const [year, month, day, hour = 0, minute = 0, second = 0] = match.slice(1).map((part) => Number(part ?? 0));
    // setUTCFullYear, not Date.UTC, which would read years 0 to 99 as 1900 to 1999.
    const back = new Date(0);
    back.setUTCFullYear(year!, month! - 1, day!);
    back.setUTCHours(hour, minute, second, 0);
    const ms = back.getTime();
    // Date.UTC rolls 31 February over into March; strptime refuses it, and so does a second of 60.
    if (back.getUTCFullYear() === year && back.getUTCMonth() === month! - 1 && back.getUTCDate() === day && year! >= 1 && second < 60) return { ok: true, value: ms };
  }
  return { ok: false, error: `${JSON.stringify(value)} is not a kube-janitor expiry (2019-02-25T09:26:14Z, 2019-02-25T09:26 or 2019-02-25, UTC)` };
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

/** kube-sweeper's own expiry annotation is more lenient: kube-janitor's formats, or any RFC 3339 time (offsets, fractions). */
export function parseExpiry(value: string): Parsed<number> {
  const janitor = parseJanitorExpiry(value.trim());
  if (janitor.ok) return janitor;
  const text = value.trim();
  const ms = RFC3339.test(text) ? Date.parse(text.toUpperCase()) : Number.NaN;
  if (Number.isNaN(ms)) return { ok: false, error: `${JSON.stringify(value)} is not a time (RFC 3339, YYYY-MM-DD or YYYY-MM-DDTHH:MM, UTC)` };
  return { ok: true, value: ms };
}

/** Each annotation's own parser: kube-janitor's exactly as kube-janitor reads them, ours more leniently. */
export const TTL_PARSERS: Record<(typeof TTL_ANNOTATIONS)[number], (value: string) => Parsed<number>> = {
  "kube-sweeper.io/ttl": parseTtl,
  "janitor/ttl": parseJanitorTtl,
};
export const EXPIRY_PARSERS: Record<(typeof EXPIRES_ANNOTATIONS)[number], (value: string) => Parsed<number>> = {
  "kube-sweeper.io/expires": parseExpiry,
  "janitor/expires": parseJanitorExpiry,
};

/** The first annotation present among `names`, with its name. */
export function firstAnnotation<N extends string>(annotations: Record<string, string>, names: readonly N[]): { name: N; value: string } | undefined {
  // An empty value counts as absent, as kube-janitor reads it (`if ttl:`).
  for (const name of names) if (annotations[name]) return { name, value: annotations[name] };
  return undefined;
}

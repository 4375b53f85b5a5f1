// Per-namespace TTL and expiry annotations, in kube-sweeper's and kube-janitor's spellings.
import { FOREVER, parseDuration } from "./duration.ts";

export const TTL_ANNOTATIONS = ["kube-sweeper.io/ttl", "janitor/ttl"] as const;
export const EXPIRES_ANNOTATIONS = ["kube-sweeper.io/expires", "janitor/expires"] as const;

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** A TTL annotation: a duration or "forever". */
export function parseTtl(value: string): Parsed<number> {
  if (value.trim() === "forever") return { ok: true, value: FOREVER };
  try {
    return { ok: true, value: parseDuration(value) };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_MINUTES = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** An expiry: RFC 3339, or a date (midnight UTC), or a date and minutes (UTC, as kube-janitor reads it). */
export function parseExpiry(value: string): Parsed<number> {
  const text = value.trim();
  let ms = Number.NaN;
  if (RFC3339.test(text)) ms = Date.parse(text);
  else if (DATE_ONLY.test(text)) ms = Date.parse(`${text}T00:00:00Z`);
  else if (DATE_MINUTES.test(text)) ms = Date.parse(`${text}:00Z`);
  if (Number.isNaN(ms)) return { ok: false, error: `${JSON.stringify(value)} is not a time (RFC 3339, YYYY-MM-DD or YYYY-MM-DDTHH:MM, UTC)` };
  return { ok: true, value: ms };
}

/** The first annotation present among `names`, with its name. */
export function firstAnnotation(annotations: Record<string, string>, names: readonly string[]): { name: string; value: string } | undefined {
  for (const name of names) if (annotations[name] !== undefined) return { name, value: annotations[name] };
  return undefined;
}

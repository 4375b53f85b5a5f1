// The TTL and expiry conditions every target kind shares (namespaces and resources): the object's
// own annotations, read as kube-janitor reads its janitor/* ones, against the policy's value.
import { isoSeconds } from "../core/clock.ts";
import { formatDuration, FOREVER } from "../core/duration.ts";
import { EXPIRES_ANNOTATIONS, EXPIRY_PARSERS, firstAnnotation, TTL_ANNOTATIONS, TTL_PARSERS } from "../core/expiry.ts";
import type { Verdict } from "./verdict.ts";

/** Age from creation against the TTL; kube-sweeper.io/ttl, or else janitor/ttl, overrides the policy's value. */
export function ttlVerdict(annotations: Record<string, string>, configured: number, created: number | undefined, now: number): Verdict {
  const annotation = firstAnnotation(annotations, TTL_ANNOTATIONS);
  let limit = configured;
  let source = "policy";
  if (annotation) {
    const parsed = TTL_PARSERS[annotation.name](annotation.value);
    // A bad annotation is not evidence of expiry: act on nothing rather than guess.
    if (!parsed.ok) return { holds: false, reason: `annotation ${annotation.name}: ${parsed.error}` };
    limit = parsed.value;
    source = `annotation ${annotation.name}`;
  }
  if (limit === FOREVER) return { holds: false, reason: `ttl forever (${source})` };
  if (created === undefined) return { holds: false, reason: "no creationTimestamp" };
  const age = now - created;
  const holds = age >= limit;
  return { holds, reason: `age ${formatDuration(Math.max(0, age))} ${holds ? ">=" : "<"} ttl ${formatDuration(limit)} (${source})`, dueAt: created + limit };
}

/** The kube-sweeper.io/expires (or kube-janitor's janitor/expires) time has come. */
export function expiresVerdict(annotations: Record<string, string>, enabled: boolean, now: number): Verdict {
  if (!enabled) return { holds: false, reason: "expires: false" };
  const annotation = firstAnnotation(annotations, EXPIRES_ANNOTATIONS);
  if (!annotation) return { holds: false, reason: `no ${EXPIRES_ANNOTATIONS.join(" or ")} annotation` };
  const parsed = EXPIRY_PARSERS[annotation.name](annotation.value);
  if (!parsed.ok) return { holds: false, reason: `annotation ${annotation.name}: ${parsed.error}` };
  const holds = now >= parsed.value;
  const delta = formatDuration(Math.abs(now - parsed.value));
  return { holds, reason: holds ? `expired at ${isoSeconds(parsed.value)} (${delta} ago, ${annotation.name})` : `expires at ${isoSeconds(parsed.value)} (in ${delta}, ${annotation.name})`, dueAt: parsed.value };
}

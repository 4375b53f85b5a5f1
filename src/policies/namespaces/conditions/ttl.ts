import { parseInstant } from "../../../core/clock.ts";
import { formatDuration, FOREVER } from "../../../core/duration.ts";
import { firstAnnotation, TTL_ANNOTATIONS, TTL_PARSERS } from "../../../core/expiry.ts";
import type { NamespaceCheck } from "../context.ts";

/** Age from creation against the TTL; a per-namespace annotation overrides the policy's value. */
export const ttl: NamespaceCheck<number> = (ns, configured, ctx) => {
  const annotation = firstAnnotation(ns.annotations, TTL_ANNOTATIONS);
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
  const created = parseInstant(ns.creationTimestamp);
  if (created === undefined) return { holds: false, reason: "no creationTimestamp" };
  const age = ctx.now - created;
  const holds = age >= limit;
  return { holds, reason: `age ${formatDuration(Math.max(0, age))} ${holds ? ">=" : "<"} ttl ${formatDuration(limit)} (${source})` };
};

import { formatDuration, FOREVER } from "../../../core/duration.ts";
import { firstAnnotation, TTL_ANNOTATIONS, TTL_PARSERS } from "../../../core/expiry.ts";
import type { ResourceCheck } from "../context.ts";

/**
 * Age from creation against the TTL. The object's own kube-sweeper.io/ttl, or kube-janitor's
 * janitor/ttl read exactly as kube-janitor reads it, overrides the policy's value.
 */
export const ttl: ResourceCheck<number> = (obj, configured, ctx) => {
  const annotation = firstAnnotation(obj.annotations, TTL_ANNOTATIONS);
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
  const age = ctx.now - obj.created!;
  const holds = age >= limit;
  return { holds, reason: `age ${formatDuration(age)} ${holds ? ">=" : "<"} ttl ${formatDuration(limit)} (${source})` };
};

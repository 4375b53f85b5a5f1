import { isoSeconds } from "../../../core/clock.ts";
import { formatDuration } from "../../../core/duration.ts";
import { EXPIRES_ANNOTATIONS, EXPIRY_PARSERS, firstAnnotation } from "../../../core/expiry.ts";
import type { ResourceCheck } from "../context.ts";

/** The object's kube-sweeper.io/expires (or kube-janitor's janitor/expires) time has come. */
export const expires: ResourceCheck<boolean> = (obj, enabled, ctx) => {
  if (!enabled) return { holds: false, reason: "expires: false" };
  const annotation = firstAnnotation(obj.annotations, EXPIRES_ANNOTATIONS);
  if (!annotation) return { holds: false, reason: `no ${EXPIRES_ANNOTATIONS.join(" or ")} annotation` };
  const parsed = EXPIRY_PARSERS[annotation.name](annotation.value);
  if (!parsed.ok) return { holds: false, reason: `annotation ${annotation.name}: ${parsed.error}` };
  const holds = ctx.now >= parsed.value;
  const delta = formatDuration(Math.abs(ctx.now - parsed.value));
  return { holds, reason: holds ? `expired at ${isoSeconds(parsed.value)} (${delta} ago, ${annotation.name})` : `expires at ${isoSeconds(parsed.value)} (in ${delta}, ${annotation.name})` };
};

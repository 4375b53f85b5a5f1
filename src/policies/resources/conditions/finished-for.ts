import { parseInstant } from "../../../core/clock.ts";
import { formatDuration } from "../../../core/duration.ts";
import { text } from "../../../core/shape.ts";
import type { ResourceCheck } from "../context.ts";

/**
 * A Job whose Complete or Failed condition is True and last changed at least this long ago (the
 * Job controller sets it once, when the Job finishes).
 */
export const finishedFor: ResourceCheck<number> = (obj, min, ctx) => {
  if (obj.kind.group !== "batch" || obj.kind.kind !== "Job") return { holds: false, reason: `finishedFor applies only to Jobs (batch), not ${obj.kind.kind}` };
  const status = obj.raw.status as { conditions?: unknown } | undefined;
  const conditions = Array.isArray(status?.conditions) ? (status.conditions as { type?: unknown; status?: unknown; lastTransitionTime?: unknown }[]) : [];
  const finished = conditions.find((c) => (c?.type === "Complete" || c?.type === "Failed") && c.status === "True");
  if (!finished) return { holds: false, reason: "Job not finished (no Complete or Failed condition True)" };
  const since = parseInstant(text(finished.lastTransitionTime));
  if (since === undefined) return { holds: false, reason: `${String(finished.type)} without a lastTransitionTime` };
  if (since > ctx.now) return { holds: false, reason: `${String(finished.type)} in the future (clock skew)` };
  const age = ctx.now - since;
  const holds = age >= min;
  return { holds, reason: `${String(finished.type)} for ${formatDuration(age)} ${holds ? ">=" : "<"} ${formatDuration(min)}` };
};

import { formatDuration } from "../../../core/duration.ts";
import { parseInstant } from "../../../core/clock.ts";
import type { PodCheck } from "../../verdict.ts";

/**
 * A deletion was requested at least this long ago and the pod is still there: stuck Terminating
 * (a dead node's kubelet never confirms it, or a finalizer holds it). deletionTimestamp is the
 * time the graceful deletion is due (request + grace period), so this counts from then.
 */
export const terminatingFor: PodCheck<number> = (pod, min, ctx) => {
  const raw = pod.metadata?.deletionTimestamp;
  if (!raw) return { holds: false, reason: "not terminating (no deletionTimestamp)" };
  const since = parseInstant(raw);
  if (since === undefined) return { holds: false, reason: `terminating, but deletionTimestamp ${JSON.stringify(raw)} is not a time` };
  if (since > ctx.now) return { holds: false, reason: `terminating, grace period ends in ${formatDuration(since - ctx.now)}` };
  const duration = ctx.now - since;
  const holds = duration >= min;
  return { holds, reason: `terminating for ${formatDuration(duration)} ${holds ? ">=" : "<"} ${formatDuration(min)} (deletionTimestamp ${raw})` };
};

import { formatDuration } from "../../../core/duration.ts";
import { podCondition } from "../../../core/pod-facts.ts";
import { parseInstant } from "../../../core/clock.ts";
import type { PodCheck } from "../../verdict.ts";

export const unreadyFor: PodCheck<number> = (pod, min, ctx) => {
  const ready = podCondition(pod, "Ready");
  if (ready?.status === "True") return { holds: false, reason: "pod is Ready" };
  // A pod without a Ready condition (not yet scheduled, or its status not written) is never acted
  // on, as pod-reaper's unready rule and descheduler do: there is no transition to count from.
  if (!ready) return { holds: false, reason: "no Ready condition: never acted on (as pod-reaper and descheduler)" };
  const since = parseInstant(ready.lastTransitionTime);
  if (since === undefined) return { holds: false, reason: "not ready, but since when is unknown (no lastTransitionTime)" };
  const duration = ctx.now - since;
  const holds = duration >= min;
  return { holds, reason: `not ready for ${formatDuration(Math.max(0, duration))} ${holds ? ">=" : "<"} ${formatDuration(min)}` };
};

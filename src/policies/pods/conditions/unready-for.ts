import { formatDuration } from "../../../core/duration.ts";
import { creationTime, podCondition } from "../../../core/pod-facts.ts";
import { parseInstant } from "../../../core/clock.ts";
import type { PodCheck } from "../../verdict.ts";

export const unreadyFor: PodCheck<number> = (pod, min, ctx) => {
  const ready = podCondition(pod, "Ready");
  if (ready?.status === "True") return { holds: false, reason: "pod is Ready" };
  // Without a Ready condition (never scheduled or started) the pod has been unready since creation.
  const since = ready ? parseInstant(ready.lastTransitionTime) : creationTime(pod);
  if (since === undefined) return { holds: false, reason: "not ready, but since when is unknown" };
  const duration = ctx.now - since;
  const holds = duration >= min;
  const source = ready ? "" : " (no Ready condition: since creation)";
  return { holds, reason: `not ready for ${formatDuration(Math.max(0, duration))} ${holds ? ">=" : "<"} ${formatDuration(min)}${source}` };
};

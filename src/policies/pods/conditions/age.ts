import { formatDuration } from "../../../core/duration.ts";
import { creationTime } from "../../../core/pod-facts.ts";
import type { Pod } from "../../../core/k8s.ts";
import type { PodCheck, Verdict } from "../../verdict.ts";

function withAge(pod: Pod, now: number, judge: (age: number) => Verdict): Verdict {
  const created = creationTime(pod);
  if (created === undefined) return { holds: false, reason: "no creationTimestamp" };
  // Clock skew: a creation time in the future is not evidence of age.
  if (created > now) return { holds: false, reason: `created in the future (${formatDuration(created - now)} ahead)` };
  return judge(now - created);
}

/** The minimum-age guard: age >= value. */
export const olderThan: PodCheck<number> = (pod, min, ctx) =>
  withAge(pod, ctx.now, (age) => {
    const holds = age >= min;
    return { holds, reason: `age ${formatDuration(age)} ${holds ? ">=" : "<"} ${formatDuration(min)}` };
  });

/** A maximum lifetime: age > value. */
export const lifetimeOver: PodCheck<number> = (pod, max, ctx) =>
  withAge(pod, ctx.now, (age) => {
    const holds = age > max;
    return { holds, reason: `age ${formatDuration(age)} ${holds ? ">" : "<="} ${formatDuration(max)} lifetime` };
  });

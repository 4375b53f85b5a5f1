import { parseInstant } from "../../../core/clock.ts";
import { formatDuration } from "../../../core/duration.ts";
import type { NamespaceCheck } from "../context.ts";

export interface PodsSucceededParam {
  selector?: { text: string } | undefined;
  initialDelay: number;
  allowNone: boolean;
}

export const podsSucceeded: NamespaceCheck<PodsSucceededParam> = (ns, param, ctx, policyIndex) => {
  const created = parseInstant(ns.creationTimestamp);
  if (created === undefined) return { holds: false, reason: "no creationTimestamp" };
  const age = ctx.now - created;
  if (age < param.initialDelay) return { holds: false, reason: `initial delay: age ${formatDuration(Math.max(0, age))} < ${formatDuration(param.initialDelay)}` };
  const what = param.selector ? `pods (${param.selector.text})` : "pods";
  const counts = ctx.podCounts(policyIndex, ns.name);
  if (counts === undefined) return { holds: false, reason: "pods not read" };
  if (counts.total === 0) {
    return { holds: param.allowNone, reason: `no ${what}${param.allowNone ? ": counts as succeeded (allowNone)" : " and allowNone is false"}` };
  }
  const holds = counts.succeeded === counts.total;
  return { holds, reason: `${counts.succeeded} of ${counts.total} ${what} Succeeded${counts.failed ? ` (${counts.failed} Failed)` : ""}` };
};

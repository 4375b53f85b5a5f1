// `notifyBefore`: a Warning Event on an object some time before its ttl or expiry falls due, as
// kube-janitor's --delete-notification does. Pure: which objects are due for a notice.
import { isoSeconds } from "../../core/clock.ts";
import { formatDuration } from "../../core/duration.ts";
import type { DueNotice } from "../../plan/types.ts";
import type { ResourceEvaluation } from "./evaluate.ts";
import { resourceProtectionsFor, type ResourceProtection } from "./protections.ts";

const TIME_CHECKS = new Set(["ttl", "expires"]);

/**
 * The first policy in config order with notifyBefore for which the object would be a candidate
 * but for its ttl or expiry, which falls due within notifyBefore. An object some policy already
 * matched is not warned (it is acted on, or held back and reported), nor a protected one.
 */
export function dueNotice(evaluations: ResourceEvaluation[], protections: ResourceProtection[], now: number): Omit<DueNotice, "target"> | undefined {
  if (evaluations.some((e) => e.matched)) return undefined;
  for (const e of evaluations) {
    const window = e.policy.notifyBefore;
    if (window === undefined || e.error || !e.match.every((m) => m.holds) || e.conditions.length === 0) continue;
    const pending = e.conditions.filter((c) => !c.holds);
    // Only time stands between the object and its deletion: every other condition holds now.
    if (!pending.every((c) => TIME_CHECKS.has(c.check) && c.dueAt !== undefined)) continue;
    const dueAt = Math.max(...pending.map((c) => c.dueAt!));
    if (dueAt - now > window) continue;
    if (resourceProtectionsFor(protections, e.policy.ignoreProtections).length > 0) continue;
    return { policy: e.policy.name, dueAt, reasons: [`deletion due at ${isoSeconds(dueAt)} (in ${formatDuration(dueAt - now)}, within notifyBefore ${formatDuration(window)})`, ...e.conditions.map((c) => c.reason)] };
  }
  return undefined;
}

// Warning Events before deletions (a resource policy's `notifyBefore`), sent after the plan's
// actions, one after the other through the run's request pacing. A notice changes nothing in the
// cluster but an Event, so no limit counts it; the blast-radius guard and an interruption stop it.
import { isoSeconds } from "../core/clock.ts";
import type { NoticeSender } from "../cluster/events.ts";
import type { DueNotice } from "../plan/types.ts";
import type { Notice } from "../report/report.ts";

export function noticesOf(due: DueNotice[], status: Notice["status"], detail = ""): Notice[] {
  return due.map((n) => ({ policy: n.policy, target: n.target, dueAt: isoSeconds(n.dueAt), reasons: n.reasons, status, detail, at: null }));
}

/** A server dry run sends each with dryRun=All: accepted is `would-do`. */
export async function sendNotices(due: DueNotice[], send: NoticeSender, serverDryRun: boolean, clock: () => number, signal: AbortSignal): Promise<Notice[]> {
  const out: Notice[] = [];
  for (const n of due) {
    if (signal.aborted) {
      out.push(...noticesOf([n], "planned", `not started: ${String(signal.reason)}`));
      continue;
    }
    const outcome = await send(n);
    const status = outcome.status === "done" && serverDryRun ? "would-do" : outcome.status;
    out.push({ ...noticesOf([n], status, outcome.detail)[0]!, at: isoSeconds(clock()) });
  }
  return out;
}

// Cron windows: a policy with a schedule acts only within `window` after a cron tick.
import { lazyRequire } from "../core/lazy-require.ts";
import type { Schedule } from "./schema.ts";
import { formatDuration } from "../core/duration.ts";
import { isoSeconds } from "../core/clock.ts";

/** cron-parser (and the date library under it), required by the first schedule only (lazy-require.ts). */
export const cron = lazyRequire<typeof import("cron-parser")>("cron-parser");

export function scheduleProblem(expression: string, timeZone: string | undefined): string | undefined {
  if (timeZone !== undefined) {
    try {
      new Intl.DateTimeFormat("en", { timeZone });
    } catch {
      return `time zone ${JSON.stringify(timeZone)} is not an IANA time zone (e.g. Europe/Berlin, UTC)`;
    }
  }
  try {
    cron().CronExpressionParser.parse(expression, timeZone ? { tz: timeZone } : {});
  } catch (error) {
    return `${JSON.stringify(expression)} is not a cron expression: ${(error as Error).message}`;
  }
  return undefined;
}

export interface WindowVerdict {
  open: boolean;
  reason: string;
}

export function scheduleWindow(schedule: Schedule, now: number): WindowVerdict {
  // prev() is strictly before currentDate; a second past now lets a tick at exactly now count.
  const options = { currentDate: new Date(now + 1000), ...(schedule.timeZone ? { tz: schedule.timeZone } : {}) };
  const { CronExpressionParser } = cron();
  const lastTick = CronExpressionParser.parse(schedule.cron, options).prev().getTime();
  const since = now - lastTick;
  if (since < schedule.window) {
    return { open: true, reason: `schedule "${schedule.cron}": window open (${formatDuration(since)} since ${isoSeconds(lastTick)}, window ${formatDuration(schedule.window)})` };
  }
  const nextTick = CronExpressionParser.parse(schedule.cron, options).next().getTime();
  return { open: false, reason: `schedule "${schedule.cron}": outside window (last tick ${isoSeconds(lastTick)}, next ${isoSeconds(nextTick)}, window ${formatDuration(schedule.window)})` };
}

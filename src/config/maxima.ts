// The longest value each user-supplied timeout and wait may take, as one table (the README's
// "Maxima" table is checked against it). Node fires a timer longer than 2^31-1 ms (~24.8 days)
// at once, so an unbounded `timeout: 25d` would not wait at all; and a one-shot run that waits
// for hours is a run stuck, not a run working.
import { parseDuration } from "../core/duration.ts";

export const MAXIMA = {
  waitBetweenActions: { text: "24h", where: "settings.waitBetweenActions, sweep --wait" },
  deadline: { text: "24h", where: "sweep --deadline" },
  requestTimeout: { text: "10m", where: "--request-timeout (each API request)" },
  webhookTimeout: { text: "10m", where: "webhook timeout (namespace and image policies; each attempt)" },
  registryTimeout: { text: "10m", where: "settings.registries.timeout (each registry request)" },
  terminateTimeout: { text: "10m", where: "terminate timeout (sidecar exec or proxy call)" },
  // Not a timer, but a window longer than a year (a yearly cron) is always open: a typo.
  scheduleWindow: { text: "366d", where: "schedule.window" },
} as const;

export type Bounded = keyof typeof MAXIMA;

export const maximumMs = (which: Bounded): number => parseDuration(MAXIMA[which].text);

/** undefined when within the maximum, else the message ("at most 10m"). */
export function overMaximum(which: Bounded, ms: number): string | undefined {
  return ms > maximumMs(which) ? `at most ${MAXIMA[which].text}` : undefined;
}

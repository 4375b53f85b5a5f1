// Durations as users write them: 30s, 5m, 2h, 7d, 1w, combinations like 1h30m, or plain seconds.

const UNIT_SECONDS = { w: 604_800, d: 86_400, h: 3_600, m: 60, s: 1 } as const;
type Unit = keyof typeof UNIT_SECONDS;

export const DURATION_HINT = "e.g. 30s, 5m, 2h, 7d, 1w, 1h30m, or whole seconds";

const DURATION_PATTERN = /^(?:\d+[wdhms])+$/;
const PART_PATTERN = /(\d+)([wdhms])/g;
// Beyond this a duration is surely a typo, and larger numbers lose precision as milliseconds.
const MAX_SECONDS = 100 * 365 * 86_400;

export class DurationError extends Error {}

/** A TTL of "forever" never expires. */
export const FOREVER = Number.POSITIVE_INFINITY;

/** Parses a duration into milliseconds; throws DurationError with the accepted format. */
export function parseDuration(input: string | number): number {
  const seconds = typeof input === "number" ? secondsFromNumber(input) : secondsFromText(input);
  if (seconds > MAX_SECONDS) throw new DurationError(`${JSON.stringify(input)} is longer than 100 years`);
  return seconds * 1000;
}

function secondsFromNumber(input: number): number {
  if (!Number.isInteger(input) || input < 0) {
    throw new DurationError(`${input} is not a duration (${DURATION_HINT}); numbers are whole seconds >= 0`);
  }
  return input;
}

function secondsFromText(input: string): number {
  const text = input.trim();
  if (/^\d+$/.test(text)) return secondsFromNumber(Number(text));
  if (!DURATION_PATTERN.test(text)) {
    throw new DurationError(`${JSON.stringify(input)} is not a duration (${DURATION_HINT})`);
  }
  let seconds = 0;
  for (const [, amount, unit] of text.matchAll(PART_PATTERN)) {
    seconds += Number(amount) * UNIT_SECONDS[unit as Unit];
  }
  return seconds;
}

/** Short human form for reports: 90061000 -> "1d1h1m1s", 0 -> "0s". */
export function formatDuration(ms: number): string {
  let seconds = Math.floor(Math.abs(ms) / 1000);
  if (seconds === 0) return ms < 0 ? "-0s" : "0s";
  let out = "";
  for (const unit of ["d", "h", "m", "s"] as const) {
    const size = UNIT_SECONDS[unit];
    const count = Math.floor(seconds / size);
    if (count > 0) {
      out += `${count}${unit}`;
      seconds -= count * size;
    }
  }
  return ms < 0 ? `-${out}` : out;
}

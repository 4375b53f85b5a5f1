// Durations as users write them. Go's time.ParseDuration syntax, as descheduler, pod-reaper and
// kubectl take them (500ms, 1.5h, 2.5s, 1h30m; units ns, us/µs, ms, s, m, h), plus days (d) and
// weeks (w), or plain whole seconds. Values are held in milliseconds.

const UNIT_MS = { ns: 1e-6, us: 1e-3, "µs": 1e-3, "μs": 1e-3, ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
type Unit = keyof typeof UNIT_MS;

export const DURATION_HINT = "e.g. 500ms, 30s, 1.5h, 5m, 2h, 7d, 1w, 1h30m, or whole seconds";

// A number (digits, optionally a fraction; Go also accepts "5." and ".5") and a unit, repeated.
// "ms" is listed before "m" so that "1ms" is one part, not "1m" followed by garbage.
const NUMBER = String.raw`(?:\d+(?:\.\d*)?|\.\d+)`;
const UNIT = "(?:ns|us|µs|μs|ms|s|m|h|d|w)";
const DURATION_PATTERN = new RegExp(`^(?:${NUMBER}${UNIT})+$`);
const PART_PATTERN = new RegExp(`(${NUMBER})(${UNIT})`, "g");
// Beyond this a duration is surely a typo, and larger numbers lose precision as milliseconds.
const MAX_MS = 100 * 365 * 86_400_000;

export class DurationError extends Error {}

/** A TTL of "forever" never expires. */
export const FOREVER = Number.POSITIVE_INFINITY;

/**
 * Parses a duration into milliseconds; throws DurationError with the accepted format.
 * The millisecond is the precision: a finer remainder (Go's ns and us) is rounded up, so a
 * duration that is not zero never becomes zero.
 */
export function parseDuration(input: string | number): number {
  const ms = typeof input === "number" ? msFromSeconds(input) : msFromText(input);
  if (ms > MAX_MS) throw new DurationError(`${JSON.stringify(input)} is longer than 100 years`);
  return ms;
}

function msFromSeconds(input: number): number {
  if (!Number.isInteger(input) || input < 0) {
    throw new DurationError(`${input} is not a duration (${DURATION_HINT}); numbers are whole seconds >= 0`);
  }
  return input * 1000;
}

function msFromText(input: string): number {
  const text = input.trim();
  if (/^\d+$/.test(text)) return msFromSeconds(Number(text));
  if (!DURATION_PATTERN.test(text)) {
    throw new DurationError(`${JSON.stringify(input)} is not a duration (${DURATION_HINT})`);
  }
  let ms = 0;
  for (const [, amount, unit] of text.matchAll(PART_PATTERN)) ms += Number(amount) * UNIT_MS[unit as Unit];
  // Rounded to the nanosecond first, so 1.1s (1100.0000000000002 in floating point) stays 1100.
  return Math.ceil(Math.round(ms * 1e6) / 1e6);
}

const DISPLAY_UNITS: [string, number][] = [["d", 86_400_000], ["h", 3_600_000], ["m", 60_000], ["s", 1_000]];

/**
 * Short human form for reports: 90061000 -> "1d1h1m1s", 0 -> "0s", 1500 -> "1.5s", 500 -> "500ms".
 * Under a minute the milliseconds are shown (sub-second settings must read back as written);
 * from a minute on, to the second, so measured ages do not print the run clock's milliseconds.
 */
export function formatDuration(ms: number): string {
  const sign = ms < 0 ? "-" : "";
  const abs = Math.abs(ms);
  if (abs < 60_000 && abs % 1000 !== 0) {
    const whole = Math.floor(abs);
    return whole < 1000 ? `${sign}${whole}ms` : `${sign}${(whole / 1000).toString()}s`;
  }
  let rest = Math.floor(abs / 1000) * 1000;
  if (rest === 0) return `${sign}0s`;
  let out = "";
  for (const [unit, size] of DISPLAY_UNITS) {
    const count = Math.floor(rest / size);
    if (count > 0) {
      out += `${count}${unit}`;
      rest -= count * size;
    }
  }
  return `${sign}${out}`;
}

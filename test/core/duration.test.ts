import { test } from "node:test";
import assert from "node:assert/strict";
import { DurationError, formatDuration, parseDuration } from "../../src/core/duration.ts";

const valid: [string | number, number][] = [
  ["30s", 30_000],
  ["5m", 300_000],
  ["2h", 7_200_000],
  ["7d", 604_800_000],
  ["1w", 604_800_000],
  ["1h30m", 5_400_000],
  ["1d2h3m4s", 93_784_000],
  ["90", 90_000],
  [90, 90_000],
  [0, 0],
  ["0s", 0],
  // Go durations, as descheduler, pod-reaper and kubectl take them (time.ParseDuration).
  ["500ms", 500],
  ["1.5h", 5_400_000],
  ["2.5s", 2_500],
  ["1h30m", 5_400_000],
  ["1m1h", 3_660_000],
  [".5s", 500],
  ["5.s", 5_000],
  ["1.1s", 1_100],
  ["300us", 1],
  ["300µs", 1],
  ["1ns", 1],
  ["1h0.5s", 3_600_500],
  ["0.25d", 21_600_000],
];
for (const [input, ms] of valid) {
  test(`parseDuration(${JSON.stringify(input)}) = ${ms} ms`, () => assert.equal(parseDuration(input), ms));
}

const invalid: (string | number)[] = ["7x", "", "-5m", -5, 1.5, "5 m", "m5", "1h-30m", "101000w", "1.5", ".s", "1e3s", "1..5s", "5mm", "+5m", "5M"];
for (const input of invalid) {
  test(`parseDuration(${JSON.stringify(input)}) is rejected with the accepted format`, () => {
    assert.throws(() => parseDuration(input), (error: unknown) => error instanceof DurationError && /e\.g\. 500ms, 30s|100 years/.test((error as Error).message));
  });
}

const formatted: [number, string][] = [
  [0, "0s"],
  [999, "999ms"],
  [500, "500ms"],
  [1_500, "1.5s"],
  [90_500, "1m30s"],
  [61_000, "1m1s"],
  [93_784_000, "1d2h3m4s"],
  [7_200_000, "2h"],
];
for (const [ms, text] of formatted) {
  test(`formatDuration(${ms}) = ${text}`, () => assert.equal(formatDuration(ms), text));
}

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
];
for (const [input, ms] of valid) {
  test(`parseDuration(${JSON.stringify(input)}) = ${ms} ms`, () => assert.equal(parseDuration(input), ms));
}

const invalid: (string | number)[] = ["7x", "", "-5m", -5, 1.5, "5 m", "m5", "1h-30m", "1.5h", "101000w"];
for (const input of invalid) {
  test(`parseDuration(${JSON.stringify(input)}) is rejected with the accepted format`, () => {
    assert.throws(() => parseDuration(input), (error: unknown) => error instanceof DurationError && /e\.g\. 30s|100 years/.test((error as Error).message));
  });
}

const formatted: [number, string][] = [
  [0, "0s"],
  [999, "0s"],
  [61_000, "1m1s"],
  [93_784_000, "1d2h3m4s"],
  [7_200_000, "2h"],
];
for (const [ms, text] of formatted) {
  test(`formatDuration(${ms}) = ${text}`, () => assert.equal(formatDuration(ms), text));
}

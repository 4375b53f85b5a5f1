// The README's maxima table is the code's table (src/config/maxima.ts), row for row.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { MAXIMA, maximumMs, overMaximum } from "../../src/config/maxima.ts";

test("the README's maxima table lists exactly the code's maxima", () => {
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  const start = readme.indexOf("<!-- maxima table");
  assert.ok(start > 0, "the table is marked");
  const rows = readme
    .slice(start)
    .split("\n")
    .slice(3)
    .filter((line, i, all) => line.startsWith("|") && all.slice(0, i).every((l) => l.startsWith("|")))
    .map((line) => line.split("|").slice(1, -1).map((cell) => cell.trim()));
  assert.deepEqual(rows, Object.values(MAXIMA).map((m) => [m.where, m.text]));
});

test("the maxima stay below Node's longest timer (2^31-1 ms), and a value just over one is refused", () => {
  for (const key of Object.keys(MAXIMA) as (keyof typeof MAXIMA)[]) {
    if (key !== "scheduleWindow") assert.ok(maximumMs(key) < 2 ** 31 - 1, key);
    assert.equal(overMaximum(key, maximumMs(key)), undefined);
    assert.equal(overMaximum(key, maximumMs(key) + 1000), `at most ${MAXIMA[key].text}`);
  }
});

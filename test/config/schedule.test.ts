import { test } from "node:test";
import assert from "node:assert/strict";
import { scheduleWindow } from "../../src/config/schedule.ts";

// 20:00 in Berlin is 19:00 UTC in winter (CET, UTC+1).
const berlin = { cron: "0 20 * * 1-5", window: 2 * 3_600_000, timeZone: "Europe/Berlin" };
const cases: [string, string, boolean][] = [
  ["at the tick (Fri 19:00 UTC)", "2026-11-20T19:00:00Z", true],
  ["1h59m59s after the tick", "2026-11-20T20:59:59Z", true],
  ["exactly 2h after the tick", "2026-11-20T21:00:00Z", false],
  ["one second before the tick", "2026-11-20T18:59:59Z", false],
  ["Saturday evening: no tick on weekends", "2026-11-21T19:30:00Z", false],
];
for (const [name, now, open] of cases) {
  test(`schedule Europe/Berlin 20:00 weekdays, 2h window: ${name} -> ${open ? "open" : "closed"}`, () => {
    assert.equal(scheduleWindow(berlin, Date.parse(now)).open, open);
  });
}

import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { mapBounded } from "../../src/core/concurrency.ts";

test("mapBounded: results in the items' order whatever order the calls finish in, never more than the limit at once", async () => {
  let running = 0;
  let most = 0;
  const items = Array.from({ length: 20 }, (_, i) => i);
  const out = await mapBounded(items, 3, async (i) => {
    most = Math.max(most, ++running);
    await sleep((i * 7) % 5);
    running--;
    return i * 10;
  });
  assert.deepEqual(out, items.map((i) => i * 10));
  assert.equal(most, 3);
});

test("mapBounded: the first failure is thrown and no call starts after it", async () => {
  const started: number[] = [];
  await assert.rejects(
    mapBounded([0, 1, 2, 3, 4, 5], 2, async (i) => {
      started.push(i);
      await sleep(1);
      if (i === 1) throw new Error("no");
      return i;
    }),
    /no/,
  );
  await sleep(10);
  assert.ok(!started.includes(4) && !started.includes(5), `started ${started.join(",")}`);
});

test("mapBounded: nothing to do is an empty answer", async () => {
  assert.deepEqual(await mapBounded([], 4, async () => 1), []);
});

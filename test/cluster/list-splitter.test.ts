// The list splitter must agree with JSON.parse on every list, however the bytes are chunked.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ListSplitter } from "../../src/cluster/list-splitter.ts";

function split(bytes: Buffer, cuts: number[]): { items: unknown[]; rest: unknown } {
  const splitter = new ListSplitter();
  const items: unknown[] = [];
  let from = 0;
  for (const cut of [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)) {
    items.push(...splitter.push(bytes.subarray(from, cut)));
    from = cut;
  }
  items.push(...splitter.push(bytes.subarray(from)));
  return { items, rest: splitter.end() };
}

// Strings full of what a scanner could trip on: quotes, backslashes, brackets, multi-byte text.
const nasty = fc.string({ unit: fc.constantFrom('"', "\\", "{", "}", "[", "]", ",", ":", "a", "é", "💥", " ", "\n", "items") });
const value = fc.letrec((tie) => ({
  any: fc.oneof({ depthSize: "small" }, nasty, fc.integer(), fc.boolean(), fc.constant(null), tie("object"), fc.array(tie("any"), { maxLength: 4 })),
  object: fc.dictionary(nasty, tie("any"), { maxKeys: 4 }),
})).any;

test("items and the rest of the list come out exactly as JSON.parse sees them, for any chunking and formatting", () => {
  fc.assert(
    fc.property(
      fc.array(value, { maxLength: 8 }),
      fc.dictionary(nasty, value, { maxKeys: 3 }),
      fc.boolean(),
      fc.array(fc.nat(), { maxLength: 12 }),
      (items, extra, pretty, cuts) => {
        const list = { kind: "PodList", apiVersion: "v1", metadata: { resourceVersion: "7", continue: 'tok"en\\' }, ...extra, items };
        const bytes = Buffer.from(JSON.stringify(list, null, pretty ? 2 : undefined));
        const { items: got, rest } = split(bytes, cuts);
        const { items: expected, ...expectedRest } = JSON.parse(bytes.toString()) as { items: unknown[] };
        assert.deepEqual(got, expected);
        assert.deepEqual(rest, { ...expectedRest, items: [] });
      },
    ),
    { numRuns: 3000 },
  );
});

test("one byte at a time; items before metadata; a list without items", () => {
  const bytes = Buffer.from('{"items":[{"a":"x\\\\"},{"b":["]"]}],"metadata":{"continue":"c"}}');
  assert.deepEqual(split(bytes, Array.from({ length: bytes.length }, (_, i) => i)), { items: [{ a: "x\\" }, { b: ["]"] }], rest: { items: [], metadata: { continue: "c" } } });
  assert.deepEqual(split(Buffer.from('{"kind":"PodList","metadata":{}}'), [5]), { items: [], rest: { kind: "PodList", metadata: {} } });
});

test("a truncated or malformed response is an error, never a shorter list", () => {
  const splitter = new ListSplitter();
  splitter.push(Buffer.from('{"metadata":{},"items":[{"a":1},{"b":'));
  assert.throws(() => splitter.end(), /ended early/);
  assert.throws(() => new ListSplitter().push(Buffer.from('{"items":[{"a":}]}')), SyntaxError);
});

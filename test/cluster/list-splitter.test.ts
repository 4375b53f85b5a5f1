// The list splitter must agree with JSON.parse on every list, however the bytes are chunked.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { DocumentEnd, ListShapeError, ListSplitter, listProblem } from "../../src/cluster/list-splitter.ts";

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
      fc.array(fc.dictionary(nasty, value, { maxKeys: 4 }), { maxLength: 8 }),
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

// Every shape a 200 answer can take that is not a list of objects, and what the splitter says.
const SHAPES: [name: string, text: string, problem: RegExp][] = [
  ["{}", "{}", /kind null is not a List/],
  ["a Status", '{"kind":"Status","apiVersion":"v1","status":"Failure","message":"boom","code":500}', /a Status instead of a list \(boom\)/],
  ['"items": null', '{"kind":"PodList","metadata":{},"items":null}', /items are null, not a list/],
  ["items missing", '{"kind":"PodList","metadata":{}}', /has no items/],
  ["items an object", '{"kind":"PodList","metadata":{},"items":{"a":{}}}', /items are an object, not a list/],
  ["kind not a List", '{"kind":"Pod","metadata":{},"items":[]}', /kind "Pod" is not a List/],
  ["no kind", '{"metadata":{},"items":[]}', /kind null is not a List/],
  ["no metadata", '{"kind":"PodList","items":[]}', /no list metadata/],
];

for (const [name, text, problem] of SHAPES) {
  test(`not a list: ${name} is reported, under every chunking`, () => {
    for (const cut of [1, 3, text.length]) {
      const { rest } = split(Buffer.from(text), [cut]);
      const splitter = new ListSplitter();
      splitter.push(Buffer.from(text));
      splitter.end();
      assert.match(listProblem(rest, splitter.shape, true) ?? "(no problem)", problem);
    }
  });
}

for (const [name, text, thrown] of [
  ["a top-level array", '[{"kind":"Pod"}]', /top level is a list/],
  ["a top-level string", '"PodList"', /top level is a string/],
  ["a null item", '{"kind":"PodList","metadata":{},"items":[{"a":1},null]}', /items\[1\] is null/],
  ["a number item", '{"kind":"PodList","metadata":{},"items":[5]}', /items\[0\] is a number/],
  ["a string item", '{"kind":"PodList","metadata":{},"items":["x"]}', /items\[0\] is a string/],
  ["a list item", '{"kind":"PodList","metadata":{},"items":[[{}]]}', /items\[0\] is a list/],
  ["items twice", '{"kind":"PodList","metadata":{},"items":[],"items":[{}]}', /"items" given twice/],
] as const) {
  test(`not a list: ${name} is refused as it arrives`, () => {
    assert.throws(() => split(Buffer.from(text), [2]), (e: unknown) => e instanceof ListShapeError && thrown.test(e.message));
  });
}

test("a well-formed list has no problem; its kind is known once read", () => {
  const splitter = new ListSplitter();
  splitter.push(Buffer.from('{"kind":"Pod\\u004cist","metadata":{"resourceVersion":"1"},"items":[{"a":1}]}'));
  assert.equal(splitter.shape.kind, "PodList");
  assert.equal(listProblem(splitter.end(), splitter.shape, true), undefined);
  assert.throws(() => splitter.push(Buffer.from("{}")), /data after the end/);
});

test("documents mode: several documents, each ending with its skeleton and shape", () => {
  const text = '{"kind":"List","items":[{"kind":"Pod","n":1}]}\n{"kind":"Node","metadata":{"name":"n"}} {"kind":"PodList","items":[{"n":2}]}';
  for (const cut of [1, 10, 50, text.length]) {
    const splitter = new ListSplitter({ documents: true });
    const out = [...splitter.push(Buffer.from(text.slice(0, cut))), ...splitter.push(Buffer.from(text.slice(cut)))];
    splitter.end();
    const shown = out.map((o) => (o instanceof DocumentEnd ? { end: o.skeleton, kind: o.shape.kind, itemsArray: o.shape.itemsArray } : o));
    assert.deepEqual(shown, [
      { kind: "Pod", n: 1 },
      { end: { kind: "List", items: [] }, kind: "List", itemsArray: true },
      { end: { kind: "Node", metadata: { name: "n" } }, kind: "Node", itemsArray: false },
      { n: 2 },
      { end: { kind: "PodList", items: [] }, kind: "PodList", itemsArray: true },
    ]);
  }
});

test("the list metadata (the continue token) is handed out once read, before the first item, for any chunking", () => {
  fc.assert(
    fc.property(fc.dictionary(nasty, value, { maxKeys: 3 }), fc.array(fc.dictionary(nasty, value, { maxKeys: 3 }), { minLength: 1, maxLength: 4 }), fc.boolean(), fc.array(fc.nat(), { maxLength: 12 }), (extra, items, pretty, cuts) => {
      const metadata = { ...extra, resourceVersion: "7", continue: 'tok"en\\{[' };
      const bytes = Buffer.from(JSON.stringify({ kind: "PodList", metadata, items }, null, pretty ? 2 : undefined));
      const splitter = new ListSplitter();
      let seenBeforeFirstItem: unknown;
      let from = 0;
      for (const cut of [...[...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b), bytes.length]) {
        const out = splitter.push(bytes.subarray(from, cut));
        from = cut;
        // Reported no later than the push that completes the first item.
        if (out.length > 0 && seenBeforeFirstItem === undefined) seenBeforeFirstItem = splitter.metadata ?? null;
      }
      assert.deepEqual(seenBeforeFirstItem, JSON.parse(JSON.stringify(metadata)));
      splitter.end();
    }),
  );
  // Not yet whole: nothing reported; metadata that is not an object is never reported early.
  const splitter = new ListSplitter();
  splitter.push(Buffer.from('{"kind":"PodList","metadata":{"continue":"ab'));
  assert.equal(splitter.metadata, undefined);
  splitter.push(Buffer.from('c"},"items":['));
  assert.deepEqual(splitter.metadata, { continue: "abc" });
  const odd = new ListSplitter();
  odd.push(Buffer.from('{"kind":"PodList","metadata":["x"],"items":[{"metadata":{"continue":"no"}}]}'));
  assert.equal(odd.metadata, undefined);
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { formatSelector, matchesSelector, parseSelector, SelectorError } from "../../src/core/selector.ts";

const labels = { app: "worker", tier: "backend", "example.com/team": "payments" };
const cases: [string, boolean][] = [
  ["app=worker", true],
  ["app==worker", true],
  ["app!=worker", false],
  ["app=api", false],
  ["app in (api, worker)", true],
  ["app notin (api,worker)", false],
  ["tier", true],
  ["!tier", false],
  ["!missing", true],
  ["missing!=x", true],
  ["app=worker,tier=backend", true],
  ["app=worker,tier=frontend", false],
  ["example.com/team=payments", true],
  ["", true],
];
for (const [selector, expected] of cases) {
  test(`selector ${JSON.stringify(selector)} on worker labels -> ${expected}`, () => {
    assert.equal(matchesSelector(parseSelector(selector), labels), expected);
  });
}

for (const bad of ["=x", "app in (a", "app=a b", "a,,b", "app notin ()x", "-bad=x"]) {
  test(`selector ${JSON.stringify(bad)} is rejected`, () => assert.throws(() => parseSelector(bad), SelectorError));
}

test('selector "app=" selects an empty value, as in Kubernetes', () => {
  assert.deepEqual(parseSelector("app="), [{ key: "app", op: "in", values: [""] }]);
});

test("formatSelector round-trips for the API query string", () => {
  const text = "app=worker,tier in (a,b),!x,y,z!=q";
  assert.equal(formatSelector(parseSelector(text)), text);
});

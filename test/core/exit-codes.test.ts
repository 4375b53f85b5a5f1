// The exit-code table is part of the contract: pinned here, once.
import { test } from "node:test";
import assert from "node:assert/strict";
import { EXIT } from "../../src/errors.ts";

test("exit codes match the contract", () => {
  assert.deepEqual(EXIT, { ok: 0, actionFailed: 1, usage: 2, blastRadius: 3, interrupted: 4, findings: 5 });
});

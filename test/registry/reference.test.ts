// Digests as the distribution reference grammar and go-digest validate them: algorithm:hex,
// with the hex of the algorithm's length in lower case. A malformed digest is bad-format
// (never sent to a registry, where it would come back as some registry error).
import { test } from "node:test";
import assert from "node:assert/strict";
import { BadImageFormat, parseImage } from "../../src/registry/reference.ts";

const hex = (n: number, c = "a") => c.repeat(n);
const cases: [string, string, boolean][] = [
  ["sha256 with 64 hex", `app@sha256:${hex(64)}`, true],
  ["sha384 with 96 hex", `app@sha384:${hex(96)}`, true],
  ["sha512 with 128 hex", `app@sha512:${hex(128)}`, true],
  ["a tag and a digest", `ghcr.io/o/app:v1@sha256:${hex(64, "0")}`, true],
  ["sha256 with 63 hex", `app@sha256:${hex(63)}`, false],
  ["sha256 with 65 hex", `app@sha256:${hex(65)}`, false],
  ["sha256 with 40 hex (a git commit, not a digest)", `app@sha256:${hex(40)}`, false],
  ["sha256 with upper-case hex", `app@sha256:${hex(64, "A")}`, false],
  ["sha256 with non-hex letters", `app@sha256:${hex(64, "z")}`, false],
  ["sha512 with 64 hex", `app@sha512:${hex(64)}`, false],
  ["an unknown algorithm", `app@md5:${hex(32)}`, false],
  ["an algorithm starting with a digit", `app@256sha:${hex(64)}`, false],
  ["no algorithm", `app@${hex(64)}`, false],
  ["an empty digest", "app@", false],
  ["two digests", `app@sha256:${hex(64)}@sha256:${hex(64)}`, false],
];
for (const [name, image, valid] of cases) {
  test(`digest: ${name} is ${valid ? "valid" : "bad-format"}`, () => {
    if (valid) assert.equal(parseImage(image).reference.split(":")[0], image.split("@")[1]!.split(":")[0]);
    else assert.throws(() => parseImage(image), BadImageFormat);
  });
}

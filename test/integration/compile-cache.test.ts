// Node's compile cache under the user's cache directory: used when it can be, and a directory that
// cannot be made never changes a run's outcome (no error, no delay, the same report and exit code).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../helpers/cli.ts";

const root = new URL("../../", import.meta.url).pathname;
const PLAN = ["plan", "-o", "json", "--snapshot", join(root, "examples/cluster-snapshot.json"), "-c", join(root, "examples/kube-sweeper.yaml"), "--now", "2026-11-21T10:00:00Z"];

/** The report without its clock readings. */
const report = (stdout: string) => ({ ...JSON.parse(stdout), startedAt: undefined, finishedAt: undefined });
const entries = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir, { recursive: true, encoding: "utf8" }) : []);

test("compile cache: written under XDG_CACHE_HOME (else HOME/.cache) on the first run, the same report from it afterwards", async () => {
  const xdg = mkdtempSync(join(tmpdir(), "ks-xdg-"));
  const first = await runCli(PLAN, { env: { XDG_CACHE_HOME: xdg } });
  assert.equal(first.code, 0, first.stderr);
  assert.ok(entries(join(xdg, "kube-sweeper", "compile-cache")).length > 1, "no cache entries written");
  const second = await runCli(PLAN, { env: { XDG_CACHE_HOME: xdg } });
  assert.equal(second.code, 0, second.stderr);
  assert.deepEqual(report(second.stdout), report(first.stdout));
  const home = mkdtempSync(join(tmpdir(), "ks-home-"));
  assert.deepEqual(report((await runCli(PLAN, { env: { HOME: home, XDG_CACHE_HOME: undefined } })).stdout), report(first.stdout));
  assert.ok(entries(join(home, ".cache", "kube-sweeper", "compile-cache")).length > 1);
});

test("compile cache: a cache directory that cannot be made (under a file, no HOME, a relative path) leaves it off; the run is the same", async () => {
  const expected = await runCli(PLAN);
  assert.equal(expected.code, 0, expected.stderr);
  const file = join(mkdtempSync(join(tmpdir(), "ks-file-")), "not-a-directory");
  writeFileSync(file, "");
  for (const env of [{ XDG_CACHE_HOME: file }, { XDG_CACHE_HOME: undefined, HOME: file }, { XDG_CACHE_HOME: undefined, HOME: undefined }, { XDG_CACHE_HOME: "relative/cache", HOME: undefined }]) {
    const result = await runCli(PLAN, { env, timeoutMs: 20_000 });
    assert.equal(result.code, 0, `${JSON.stringify(env)}: ${result.stderr}`);
    assert.deepEqual(report(result.stdout), report(expected.stdout), JSON.stringify(env));
    assert.equal(result.stderr, expected.stderr, JSON.stringify(env));
  }
});

test("compile cache: NODE_DISABLE_COMPILE_CACHE and NODE_COMPILE_CACHE are Node's own settings and decide", async () => {
  const xdg = mkdtempSync(join(tmpdir(), "ks-xdg-"));
  const off = await runCli(PLAN, { env: { XDG_CACHE_HOME: xdg, NODE_DISABLE_COMPILE_CACHE: "1" } });
  assert.equal(off.code, 0, off.stderr);
  assert.deepEqual(entries(xdg), []);
  const own = mkdtempSync(join(tmpdir(), "ks-own-"));
  const elsewhere = await runCli(PLAN, { env: { XDG_CACHE_HOME: xdg, NODE_COMPILE_CACHE: own } });
  assert.equal(elsewhere.code, 0, elsewhere.stderr);
  assert.deepEqual(entries(xdg), []);
  assert.ok(entries(own).length > 1);
});

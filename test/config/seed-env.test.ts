import { test } from "node:test";
import assert from "node:assert/strict";
import { podPoliciesOf } from "../../src/plan/collect.ts";
import { configFromSeedEnv } from "../../src/config/seed-env.ts";
import { loadConfig } from "../../src/config/load.ts";
import { ConfigError } from "../../src/errors.ts";

test("NAMESPACE alone: one delete policy, non-zero exits, 5m minimum age, 10s wait, not a dry run", () => {
  const loaded = configFromSeedEnv({ NAMESPACE: "proj" });
  const [policy, ...rest] = podPoliciesOf(loaded.config);
  assert.equal(rest.length, 0);
  assert.deepEqual(policy!.match.namespaces, ["proj"]);
  // The seed's default APPLY_ON_EXITCODE_0 is true.
  assert.deepEqual(policy!.when.exitCodes, { includeZero: true, includeInitContainers: false });
  assert.equal(policy!.when.olderThan, 5 * 60_000);
  assert.equal(policy!.action, "delete");
  assert.equal(loaded.config.settings.waitBetweenActions, 10_000);
  assert.equal(loaded.dryRun, false);
});

test("every seed variable maps to its setting", () => {
  const loaded = configFromSeedEnv({
    NAMESPACE: "proj",
    TARGETPOD: "worker",
    APPLY_ON_EXITCODE_0: "false",
    DEBUG: "true",
    KUBECTL_POD_DELETION_WAIT: "30s",
    KUBECTL_MIN_AGE_IN_MINUTES: "15",
    KUBECTL_APPLY_ON_UNHEALTHY_NODES: "true",
  });
  const [exits, nodes] = podPoliciesOf(loaded.config);
  assert.equal(exits!.when.exitCodes!.includeZero, false);
  assert.equal(exits!.when.olderThan, 15 * 60_000);
  // The reaper matched TARGETPOD as a substring.
  assert.ok(exits!.match.name!.test("my-worker-1"));
  assert.equal(nodes!.name, "seed-unhealthy-nodes");
  assert.equal(nodes!.when.nodeUnhealthyFor, 0);
  assert.equal(loaded.config.settings.waitBetweenActions, 30_000);
  assert.equal(loaded.dryRun, true);
});

test("KUBECTL_POD_DELETION_WAIT in plain seconds", () => {
  assert.equal(configFromSeedEnv({ NAMESPACE: "p", KUBECTL_POD_DELETION_WAIT: "10" }).config.settings.waitBetweenActions, 10_000);
});

const bad: [Record<string, string>, RegExp][] = [
  [{ TARGETPOD: "x" }, /env\.NAMESPACE: is required/],
  [{ NAMESPACE: "p", APPLY_ON_EXITCODE_0: "yes" }, /env\.APPLY_ON_EXITCODE_0: expected true or false, got "yes"/],
  [{ NAMESPACE: "p", KUBECTL_MIN_AGE_IN_MINUTES: "5m" }, /env\.KUBECTL_MIN_AGE_IN_MINUTES: expected whole minutes/],
  [{ NAMESPACE: "p", KUBECTL_POD_DELETION_WAIT: "soon" }, /env\.KUBECTL_POD_DELETION_WAIT: "soon" is not a duration/],
  [{ NAMESPACE: "p", TARGETPOD: "(" }, /env\.TARGETPOD: "\(" is not a regular expression/],
];
for (const [env, expected] of bad) {
  test(`seed env ${JSON.stringify(env)} is rejected naming the variable`, () => {
    assert.throws(() => configFromSeedEnv(env), (e: unknown) => e instanceof ConfigError && e.problems.some((p) => expected.test(p)));
  });
}

test("seed env is used only without a config file; with one, it is ignored with a warning", () => {
  const fromEnv = loadConfig({ env: { NAMESPACE: "p" }, fileExists: () => false });
  assert.equal(fromEnv.source, "seed environment");
  assert.throws(() => loadConfig({ env: {}, fileExists: () => false }), /no config/);
});

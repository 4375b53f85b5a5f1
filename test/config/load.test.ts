import { test } from "node:test";
import assert from "node:assert/strict";
import { podPoliciesOf } from "../../src/plan/collect.ts";
import { parseConfigText } from "../../src/config/load.ts";
import { ConfigError } from "../../src/errors.ts";

const minimal = `
policies:
  - name: crash
    target: pods
    when: {restarts: {atLeast: 3}}
    action: delete
`;

function problems(yaml: string): string[] {
  try {
    parseConfigText(yaml, "cfg.yaml");
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${error}`);
    return error.problems;
  }
  assert.fail("expected the config to be rejected");
}

test("a minimal config gets the documented defaults", () => {
  const config = parseConfigText(minimal, "cfg.yaml");
  assert.equal(config.settings.waitBetweenActions, 10_000);
  // Only the config's own additions: the built-in ones are always protected (protectedNamespaceSet).
  assert.deepEqual(config.settings.protectedNamespaces, []);
  assert.deepEqual(config.settings.unprotectBuiltinNamespaces, []);
  assert.equal(config.settings.order, "oldest-first");
  assert.deepEqual(podPoliciesOf(config)[0]!.when.restarts, { atLeast: 3, includeInitContainers: false });
});

test("the contract's example config parses, durations in milliseconds", () => {
  const config = parseConfigText(
    `
apiVersion: kube-sweeper.io/v1alpha1
kind: SweeperConfig
settings:
  waitBetweenActions: 10s
  maxActions: 50
  maxActionsPerNamespace: 10
  maxActionsPerOwner: 1
  abortIfMoreThan: {count: 200, percent: 50}
  protectedNamespaces: [kube-system, kube-public, kube-node-lease]
  order: oldest-first
policies:
  - name: restarted-workers
    target: pods
    match:
      namespaces: [apps]
      selector: "app=worker"
      name: "^worker-"
      ownerKinds: [ReplicaSet]
    when:
      restarts: {atLeast: 1, includeInitContainers: false}
      olderThan: 5m
    action: delete
    schedule: {cron: "0 20 * * 1-5", window: 2h, timeZone: Europe/Berlin}
`,
    "cfg.yaml",
  );
  const policy = podPoliciesOf(config)[0]!;
  assert.equal(policy.when.olderThan, 300_000);
  assert.equal(policy.schedule!.window, 7_200_000);
  assert.ok(policy.match.name!.test("worker-1"));
  assert.equal(config.settings.abortIfMoreThan!.percent, 50);
});

const bad: [string, string, RegExp][] = [
  ["malformed YAML", "policies: [\n  - name: x\n  bad", /^cfg\.yaml:\d+:\d+: not valid YAML/],
  ["unknown top-level key", `${minimal}\nextra: 1\n`, /^cfg\.yaml:8: extra: unknown key "extra"$/],
  ["unknown key in when", minimal.replace("restarts: {atLeast: 3}", "restarts: {atLeast: 3}, restartz: 1"), /^cfg\.yaml:\d+: policies\[0\]\.when\.restartz: unknown key "restartz"$/],
  ["wrong type", minimal.replace("atLeast: 3", 'atLeast: "three"'), /policies\[0\]\.when\.restarts\.atLeast: expected number, got string "three"/],
  ["negative duration", minimal.replace("{restarts: {atLeast: 3}}", '{olderThan: "-5m"}'), /policies\[0\]\.when\.olderThan: "-5m" is not a duration \(e\.g\. 500ms, 30s, 1\.5h, 5m/],
  ["bad duration unit", minimal.replace("{restarts: {atLeast: 3}}", "{olderThan: 7x}"), /policies\[0\]\.when\.olderThan: "7x" is not a duration/],
  ["invalid regex", minimal.replace("when:", 'match: {name: "worker-("}\n    when:'), /policies\[0\]\.match\.name: "worker-\(" is not a regular expression/],
  ["invalid selector", minimal.replace("when:", 'match: {selector: "app in (a"}\n    when:'), /policies\[0\]\.match\.selector: "app in \(a" is not a label selector/],
  ["bad action", minimal.replace("action: delete", "action: nuke"), /policies\[0\]\.action: must be one of "delete", "evict", got string "nuke"/],
  ["bad policy name", minimal.replace("name: crash", "name: Crash_1"), /policies\[0\]\.name: must match/],
  ["no conditions", minimal.replace("when: {restarts: {atLeast: 3}}", "when: {}"), /policies\[0\]\.when: at least one condition is required/],
  ["no policies", "policies: []", /policies: at least one policy is required \(or settings\.namespaceManagers: true\)/],
  ["duplicate names", `${minimal}  - name: crash\n    target: pods\n    when: {olderThan: 1m}\n    action: evict\n`, /policies\[1\]\.name: duplicate policy name "crash"/],
  ["bad cron", minimal.replace("action: delete", 'action: delete\n    schedule: {cron: "61 * * * *", window: 1h}'), /policies\[0\]\.schedule\.cron: "61 \* \* \* \*" is not a cron expression/],
  ["bad time zone", minimal.replace("action: delete", 'action: delete\n    schedule: {cron: "0 * * * *", window: 1h, timeZone: Mars/Base}'), /policies\[0\]\.schedule\.cron: time zone "Mars\/Base" is not an IANA time zone/],
  ["an image policy with a pod policy's keys", minimal.replace("target: pods", "target: images"), /policies\[0\]\.when: unknown key "when"/],
  ["percent over 100", `settings: {abortIfMoreThan: {percent: 150}}\n${minimal}`, /settings\.abortIfMoreThan\.percent/],
  ["huge number", minimal.replace("atLeast: 3", "atLeast: 1e400"), /policies\[0\]\.when\.restarts\.atLeast/],
  ["not a mapping", "- just\n- a list\n", /the config must be a mapping/],
  ["settings as a string", `settings: fast\n${minimal}`, /^cfg\.yaml:1: settings: expected object, got string "fast"$/],
];

for (const [name, yaml, expected] of bad) {
  test(`config error: ${name} -> one line naming the path`, () => {
    const found = problems(yaml);
    assert.ok(found.some((p) => expected.test(p)), `got:\n${found.join("\n")}`);
    for (const p of found) assert.ok(!p.includes("\n"), `multi-line problem: ${p}`);
  });
}

test("every problem is listed, not just the first", () => {
  const found = problems(minimal.replace("atLeast: 3", "atLeast: -1").replace("action: delete", "action: nuke"));
  assert.equal(found.length, 2, found.join("\n"));
});

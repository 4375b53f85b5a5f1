import { test } from "node:test";
import assert from "node:assert/strict";
import { parseConfigText } from "../../src/config/load.ts";
import { namespacePoliciesOf } from "../../src/plan/collect.ts";
import { ConfigError } from "../../src/errors.ts";

const base = (action: string, when = "{ttl: 2h}") => `
policies:
  - name: preview
    target: namespaces
    match: {name: "^preview-"}
    when: ${when}
    action: ${action}
`;

test("action spellings: a bare name or an object, with defaults", () => {
  const del = namespacePoliciesOf(parseConfigText(base("deleteNamespace"), "c.yaml"))[0]!;
  assert.deepEqual(del.action, { kind: "deleteNamespace" });
  const scale = namespacePoliciesOf(parseConfigText(base("scaleDown"), "c.yaml"))[0]!;
  assert.deepEqual(scale.action, { kind: "scaleDown", kinds: ["Deployment", "StatefulSet"], filters: undefined });
  const hook = namespacePoliciesOf(parseConfigText(base("{webhook: {url: 'https://hooks.example/x', secretEnv: HOOK_SECRET}}"), "c.yaml"))[0]!;
  assert.deepEqual(hook.action, { kind: "webhook", url: "https://hooks.example/x", secretEnv: "HOOK_SECRET", timeout: 10_000, retries: 3 });
  const forever = namespacePoliciesOf(parseConfigText(base("deleteNamespace", "{ttl: forever}"), "c.yaml"))[0]!;
  assert.equal(forever.when.ttl, Number.POSITIVE_INFINITY);
});

const bad: [string, string, RegExp][] = [
  ["two actions", base("{deleteNamespace: {}, scaleDown: {}}"), /policies\[0\]\.action: exactly one of deleteNamespace, scaleDown, webhook/],
  ["unknown action", base("nuke"), /policies\[0\]\.action\.nuke: unknown key "nuke"/],
  ["webhook without url", base("{webhook: {}}"), /policies\[0\]\.action\.webhook\.url: is required/],
  ["webhook ftp url", base("{webhook: {url: 'ftp://x/y'}}"), /policies\[0\]\.action\.webhook\.url: must be an http\(s\) URL/],
  ["bad scale kind", base("{scaleDown: {kinds: [DaemonSet]}}"), /policies\[0\]\.action\.scaleDown\.kinds\[0\]: must be one of "Deployment", "StatefulSet"/],
  ["bad ttl", base("deleteNamespace", "{ttl: soon}"), /policies\[0\]\.when\.ttl: "soon" is not a duration .*\(or "forever"\)/],
  ["no condition", base("deleteNamespace", "{}"), /policies\[0\]\.when: at least one condition is required \(ttl, expires or podsSucceeded\)/],
  ["pod condition on a namespace policy", base("deleteNamespace", "{restarts: {atLeast: 1}}"), /policies\[0\]\.when\.restarts: unknown key "restarts"/],
  ["unknown target", base("deleteNamespace").replace("target: namespaces", "target: nodes"), /policies\[0\]\.target: must be one of "pods", "namespaces"/],
];
for (const [name, yaml, expected] of bad) {
  test(`namespace policy config error: ${name}`, () => {
    assert.throws(
      () => parseConfigText(yaml, "c.yaml"),
      (e: unknown) => e instanceof ConfigError && e.problems.some((p) => expected.test(p)) && e.problems.every((p) => !p.includes("\n")),
    );
  });
}

test("a namespace policy's name must fit its done annotation (kube-sweeper.io/done.<name>, 63 characters after the slash): 58 is accepted, 59 is a config error", () => {
  const named = (name: string) => base("{webhook: {url: 'https://hooks.example/x'}}").replace("name: preview", `name: ${name}`);
  assert.equal(namespacePoliciesOf(parseConfigText(named(`p${"x".repeat(57)}`), "c.yaml"))[0]!.name.length, 58);
  assert.throws(
    () => parseConfigText(named(`p${"x".repeat(58)}`), "c.yaml"),
    (e: unknown) => e instanceof ConfigError && e.problems.some((p) => /policies\[0\]\.name: .*at most 58 characters/.test(p)),
  );
});

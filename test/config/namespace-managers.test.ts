import { test } from "node:test";
import assert from "node:assert/strict";
import { policiesFromManagers } from "../../src/config/namespace-managers.ts";

test("NamespaceManager policies become namespace policies for the managed namespace", () => {
  const { policies, managers, problems } = policiesFromManagers([
    {
      metadata: { namespace: "namespace-manager", name: "ejemplo-dos" },
      spec: {
        namespace: "example-02",
        policies: [
          { name: "delete when pods succeed", condition: { type: "PODS_SUCCEED", params: { podLabels: { component: "main" }, initialDelaySeconds: 60 } }, action: { type: "DELETE" } },
          { name: "ttl", condition: { type: "TTL", params: { ttlSeconds: 40 } }, action: { type: "SCALE_DOWN", params: { selectors: [{ kind: "Deployment", labels: { app: "x" } }] } } },
          { name: "hook", condition: { type: "TTL", params: { ttlSeconds: 10 } }, action: { type: "WEBHOOK", params: { url: "http://hooks.local/x" } } },
          { name: "odd", condition: { type: "SOMETHING" }, action: { type: "DELETE" } },
        ],
      },
    },
    { metadata: { namespace: "a", name: "sleeping" }, spec: { deactivated: true, namespace: "b", policies: [{ condition: { type: "TTL", params: { ttlSeconds: 1 } }, action: { type: "DELETE" } }] } },
  ], ["namespace-manager"]);
  assert.equal(policies.length, 3);
  assert.deepEqual(policies[0]!.match.namespaces, ["example-02"]);
  assert.equal(policies[0]!.when.podsSucceeded!.initialDelay, 60_000);
  assert.equal(policies[0]!.when.podsSucceeded!.selector!.text, "component=main");
  assert.equal(policies[0]!.when.podsSucceeded!.allowNone, true);
  assert.equal(policies[1]!.when.ttl, 40_000);
  const scale = policies[1]!.action;
  assert.ok(scale.kind === "scaleDown" && scale.filters?.[0]?.kind === "Deployment");
  assert.equal(policies[2]!.action.kind, "webhook");
  assert.deepEqual(managers.get(policies[0]!.name), { namespace: "namespace-manager", name: "ejemplo-dos", policy: "delete when pods succeed" });
  assert.match(problems[0]!, /unsupported condition "SOMETHING"/);
  assert.ok(policies.every((p) => /^[a-z][a-z0-9-]*$/.test(p.name)));
});

test("two managers whose names would read the same (ops/team-a and ops-team/a) get policies of their own: each action deactivates its own manager", () => {
  const ttl = { condition: { type: "TTL", params: { ttlSeconds: 60 } }, action: { type: "DELETE" } };
  const { policies, managers } = policiesFromManagers([
    { metadata: { namespace: "ops", name: "team-a" }, spec: { namespace: "team-a", policies: [ttl] } },
    { metadata: { namespace: "ops-team", name: "a" }, spec: { policies: [ttl] } },
    // Names that differ only by a dot and a dash, in one namespace.
    { metadata: { namespace: "apps", name: "clean.up" }, spec: { policies: [ttl] } },
    { metadata: { namespace: "apps", name: "clean-up" }, spec: { policies: [ttl] } },
  ], ["ops"]);
  assert.equal(policies.length, 4);
  assert.equal(new Set(policies.map((p) => p.name)).size, 4, `policy names: ${policies.map((p) => p.name).join(", ")}`);
  assert.deepEqual(policies.map((p) => { const m = managers.get(p.name)!; return `${m.namespace}/${m.name}`; }), ["ops/team-a", "ops-team/a", "apps/clean.up", "apps/clean-up"]);
});

test("a manager's policy name fits the done annotation (kube-sweeper.io/done.<name>: at most 63 characters after the slash), however long its names", () => {
  const long = "x".repeat(63);
  const { policies } = policiesFromManagers([{ metadata: { namespace: long, name: `${"y".repeat(200)}.z` }, spec: { policies: [{ condition: { type: "TTL", params: { ttlSeconds: 1 } }, action: { type: "DELETE" } }] } }]);
  assert.equal(policies.length, 1);
  assert.ok(`done.${policies[0]!.name}`.length <= 63, policies[0]!.name);
  assert.match(policies[0]!.name, /^[a-z][a-z0-9-]*[a-z0-9]$/);
});

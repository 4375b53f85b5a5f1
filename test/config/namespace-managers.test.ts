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

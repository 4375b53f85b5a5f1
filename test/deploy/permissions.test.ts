// The RBAC a config needs: exactly the rules its policies and actions use.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseConfigText } from "../../src/config/load.ts";
import { requiredPermissions, rulesOf } from "../../src/deploy/permissions.ts";
import { renderManifests } from "../../src/deploy/manifests.ts";
import { parseAllDocuments } from "yaml";

const rules = (yaml: string) =>
  rulesOf(requiredPermissions(parseConfigText(yaml, "c.yaml")))
    .map((r) => `${r.apiGroups[0] || "core"}/${r.resources[0]}: ${r.verbs.join(",")}`)
    .sort();

const LOCK_AND_EVENTS = ["coordination.k8s.io/leases: get,create,update", "events.k8s.io/events: create"];

const cases: [string, string, string[]][] = [
  ["delete pods in one namespace", "policies: [{name: a, target: pods, match: {namespaces: [apps]}, when: {restarts: {atLeast: 1}}, action: delete}]", ["core/pods: list,get,delete"]],
  ["evict only", "policies: [{name: a, target: pods, when: {restarts: {atLeast: 1}}, action: evict}]", ["core/pods: list,get", "core/pods/eviction: create"]],
  ["nodeUnhealthyFor reads nodes", "policies: [{name: a, target: pods, when: {nodeUnhealthyFor: 5m}, action: delete}]", ["core/nodes: list,get", "core/pods: list,get,delete"]],
  ["a namespaceSelector reads namespaces", "policies: [{name: a, target: pods, match: {namespaceSelector: team=x}, when: {olderThan: 1h}, action: delete}]", ["core/namespaces: list,get", "core/pods: list,get,delete"]],
  ["deleteNamespace by ttl: no pods at all", "policies: [{name: a, target: namespaces, when: {ttl: 2h}, action: deleteNamespace}]", ["core/namespaces: list,get,patch,delete"]],
  ["podsSucceeded reads pods", "policies: [{name: a, target: namespaces, when: {podsSucceeded: {}}, action: deleteNamespace}]", ["core/namespaces: list,get,patch,delete", "core/pods: list"]],
  ["scaleDown of Deployments only", "policies: [{name: a, target: namespaces, when: {ttl: 1h}, action: {scaleDown: {kinds: [Deployment]}}}]", ["apps/deployments: list,patch", "apps/deployments/scale: patch", "core/namespaces: list,get,patch"]],
  ["webhook: no delete", "policies: [{name: a, target: namespaces, when: {ttl: 1h}, action: {webhook: {url: 'https://h/x'}}}]", ["core/namespaces: list,get,patch"]],
  ["sidecars via exec: pods/exec get and create", "policies: [{name: a, target: sidecars, action: terminate}]", ["core/pods/exec: get,create", "core/pods: list,get"]],
  ["sidecars via the proxy: pods/proxy create", "policies: [{name: a, target: sidecars, action: {terminate: {http: {port: 15020, path: /quitquitquit}}}}]", ["core/pods/proxy: create", "core/pods: list,get"]],
];

for (const [name, yaml, expected] of cases) {
  test(`RBAC for ${name}: ${expected.join("; ")} (+ lock and events)`, () => {
    assert.deepEqual(rules(yaml), [...expected, ...LOCK_AND_EVENTS].sort());
  });
}

test("no secrets access, no wildcard, no watch anywhere", () => {
  const all = rules("policies: [{name: a, target: pods, when: {nodeUnhealthyFor: 5m}, action: delete}, {name: b, target: namespaces, when: {ttl: 1h}, action: scaleDown}, {name: c, target: sidecars, action: terminate}]");
  assert.ok(all.every((r) => !r.includes("secrets") && !r.includes("*") && !r.includes("watch")), all.join("\n"));
});

const NOW = Date.parse("2026-11-21T10:00:00Z");
const render = (yaml: string, extra: Partial<Parameters<typeof renderManifests>[1]> = {}) =>
  renderManifests(parseConfigText(yaml, "c.yaml"), { namespace: "ops", namespaceScoped: false, schedule: "*/10 * * * *", image: "kube-sweeper:1", cronJobApi: "batch/v1", configText: yaml, deadlineSeconds: 600, now: NOW, ...extra });

test("manifests: cluster-wide ClusterRole, lock Role in the lock's namespace, ConfigMap with the config as written, a hardened CronJob", () => {
  const yaml = "policies: [{name: a, target: pods, when: {restarts: {atLeast: 1}}, action: delete}]\n";
  const text = render(yaml);
  assert.match(text, /# Schedule "\*\/10 \* \* \* \*" \(UTC\); next runs: 2026-11-21T10:10:00\.000Z, 2026-11-21T10:20:00\.000Z, 2026-11-21T10:30:00\.000Z/);
  const docs = parseAllDocuments(text).map((d) => d.toJS() as { kind: string; metadata: { namespace?: string; name: string }; [k: string]: unknown });
  assert.deepEqual(docs.map((d) => `${d.kind} ${d.metadata.namespace ?? "-"}/${d.metadata.name}`), [
    "ServiceAccount ops/kube-sweeper",
    "ClusterRole -/kube-sweeper",
    "ClusterRoleBinding -/kube-sweeper",
    "Role default/kube-sweeper-lock",
    "RoleBinding default/kube-sweeper-lock",
    "ConfigMap ops/kube-sweeper",
    "CronJob ops/kube-sweeper",
  ]);
  const configMap = docs[5] as unknown as { data: Record<string, string> };
  assert.equal(configMap.data["kube-sweeper.yaml"], yaml);
  const cron = docs[6] as unknown as { spec: { concurrencyPolicy: string; startingDeadlineSeconds: number; jobTemplate: { spec: { backoffLimit: number; activeDeadlineSeconds: number; ttlSecondsAfterFinished: number; template: { spec: { securityContext: Record<string, unknown>; containers: { securityContext: Record<string, unknown>; args: string[] }[] } } } } } };
  assert.equal(cron.spec.concurrencyPolicy, "Forbid");
  assert.equal(cron.spec.startingDeadlineSeconds, 300);
  const job = cron.spec.jobTemplate.spec;
  assert.equal(job.backoffLimit, 0);
  assert.equal(job.activeDeadlineSeconds, 720);
  assert.equal(job.ttlSecondsAfterFinished, 86400);
  assert.deepEqual(job.template.spec.securityContext, { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: "RuntimeDefault" } });
  assert.deepEqual(job.template.spec.containers[0]!.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
  assert.deepEqual(job.template.spec.containers[0]!.args.slice(0, 3), ["sweep", "--config", "/etc/kube-sweeper/kube-sweeper.yaml"]);
  // In the cluster a round trip is cheap: the pages the API server serves with the least CPU.
  assert.deepEqual(job.template.spec.containers[0]!.args.slice(-2), ["--chunk-size", "500"]);
});

test("manifests --namespace-scoped: one Role with everything, in the swept namespace", () => {
  const yaml = "settings: {lock: {namespace: apps}}\npolicies: [{name: a, target: pods, match: {namespaces: [apps]}, when: {restarts: {atLeast: 1}}, action: delete}]\n";
  const docs = parseAllDocuments(render(yaml, { namespace: "apps", namespaceScoped: true })).map((d) => d.toJS() as { kind: string; rules?: unknown[]; spec?: { jobTemplate: { spec: { template: { spec: { containers: { args: string[] }[] } } } } } });
  assert.deepEqual(docs.map((d) => d.kind), ["ServiceAccount", "Role", "RoleBinding", "ConfigMap", "CronJob"]);
  assert.equal(docs[1]!.rules!.length, 3);
  assert.deepEqual(docs[4]!.spec!.jobTemplate.spec.template.spec.containers[0]!.args.slice(-2), ["--namespace", "apps"]);
});

test("manifests --namespace-scoped refuses a config that needs cluster-wide access", () => {
  assert.throws(() => render("settings: {lock: {namespace: apps}}\npolicies: [{name: a, target: pods, when: {nodeUnhealthyFor: 5m}, action: delete}]\n", { namespace: "apps", namespaceScoped: true }), /needs cluster-wide access \(list nodes: nodeUnhealthyFor reads nodes; get nodes: /);
  assert.throws(() => render("policies: [{name: a, target: pods, when: {olderThan: 5m}, action: delete}]\n", { namespace: "apps", namespaceScoped: true }), /settings\.lock\.namespace is default; set it to apps/);
});

test("manifests: a bad schedule is a usage error naming the problem", () => {
  assert.throws(() => render("policies: [{name: a, target: pods, when: {olderThan: 5m}, action: delete}]\n", { schedule: "every 5 minutes" }), /--schedule "every 5 minutes" is not a cron expression/);
  assert.throws(() => render("policies: [{name: a, target: pods, when: {olderThan: 5m}, action: delete}]\n", { schedule: "0 */5 * * * *" }), /a CronJob schedule has 5 fields/);
});

test("webhook secrets come from a Secret, never the ConfigMap", () => {
  const yaml = "policies: [{name: a, target: namespaces, when: {ttl: 1h}, action: {webhook: {url: 'https://h/x', secretEnv: HOOK_SECRET}}}]\n";
  const cron = parseAllDocuments(render(yaml)).map((d) => d.toJS() as { kind: string; spec?: { jobTemplate: { spec: { template: { spec: { containers: { env: { name: string; valueFrom: unknown }[] }[] } } } } } }).find((d) => d.kind === "CronJob")!;
  const env = cron.spec!.jobTemplate.spec.template.spec.containers[0]!.env;
  assert.deepEqual(env.find((e) => e.name === "HOOK_SECRET")!.valueFrom, { secretKeyRef: { name: "kube-sweeper", key: "HOOK_SECRET", optional: true } });
});

// Defaults that cannot be lost by accident: protected namespaces add to the built-in ones, --now
// never shifts the clock of a sweep that writes, a NamespaceManager manages its own namespace
// only, and the sweeper's own pod stays protected however it is identified.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { policiesFromManagers } from "../../src/config/namespace-managers.ts";
import { selfPod } from "../../src/commands/context.ts";
import { podProtections } from "../../src/plan/protections.ts";
import { startFakeApiServer } from "../fake-apiserver/server.ts";
import { asList, buildNamespace, buildNode, buildPod, iso, T0, waiting } from "../fixtures/builders.ts";
import { runCli, writeConfig } from "../helpers/cli.ts";
import { parseReport } from "../helpers/report-shape.ts";

const NOW = iso(T0);
const crashing = (name: string, namespace: string) => buildPod({ name, namespace, restarts: 5, state: waiting("CrashLoopBackOff") });
const SNAPSHOT = (() => {
  const path = join(mkdtempSync(join(tmpdir(), "ks-defaults-")), "snap.json");
  const namespaces = ["kube-system", "kube-public", "kube-node-lease", "default", "payments", "apps"];
  writeFileSync(path, JSON.stringify(asList([...namespaces.map((n) => buildNamespace(n)), ...namespaces.map((n) => crashing(`w-${n}`, n))])));
  return path;
})();

const config = (settings: string) =>
  writeConfig(`
settings: {${settings}}
policies:
  - {name: crash, target: pods, when: {reasons: [CrashLoopBackOff]}, action: delete}
  - {name: old, target: namespaces, when: {ttl: 1h}, action: deleteNamespace}
`);

const planned = async (settings: string) => {
  const result = await runCli(["plan", "-o", "json", "-c", config(settings), "--snapshot", SNAPSHOT, "--now", NOW]);
  assert.equal(result.code, 0, result.stderr);
  return { targets: parseReport(result.stdout).actions.map((a) => `${a.target.kind}/${a.target.kind === "Pod" ? a.target.namespace : a.target.name}`).sort(), stderr: result.stderr };
};

for (const [name, settings, expected] of [
  ["no setting: the built-in namespaces are protected (pods and namespaces; default as a namespace only)", "", ["Namespace/apps", "Namespace/payments", "Pod/apps", "Pod/default", "Pod/payments"]],
  ["protectedNamespaces: [payments] adds to the built-in list, never replaces it", "protectedNamespaces: [payments]", ["Namespace/apps", "Pod/apps", "Pod/default"]],
  ["listing a built-in again changes nothing", "protectedNamespaces: [kube-system, payments]", ["Namespace/apps", "Pod/apps", "Pod/default"]],
  ["unprotectBuiltinNamespaces: [kube-public] removes that one, explicitly", "unprotectBuiltinNamespaces: [kube-public]", ["Namespace/apps", "Namespace/kube-public", "Namespace/payments", "Pod/apps", "Pod/default", "Pod/kube-public", "Pod/payments"]],
] as const) {
  test(`protected namespaces: ${name}`, async () => {
    assert.deepEqual((await planned(settings)).targets, expected);
  });
}

test("validate (and every run) warns about unprotectBuiltinNamespaces; an unknown name there is a config error", async () => {
  const warned = await runCli(["validate", "-c", config("unprotectBuiltinNamespaces: [kube-system]")]);
  assert.equal(warned.code, 0, warned.stderr);
  assert.match(warned.stderr, /WARN: settings\.unprotectBuiltinNamespaces: kube-system is not protected/);
  assert.match((await planned("unprotectBuiltinNamespaces: [kube-system]")).stderr, /kube-system is not protected/);
  const bad = await runCli(["validate", "-c", config("unprotectBuiltinNamespaces: [payments]")]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /settings\.unprotectBuiltinNamespaces\[0\]: must be one of "kube-system"/);
});

test("--now is refused by a sweep that writes (real, or server dry run: its requests are real), accepted by a client dry run", async () => {
  const server = await startFakeApiServer({ pods: [crashing("w-1", "apps")], nodes: [buildNode("node-1")], namespaces: [buildNamespace("apps")] });
  try {
    const cfg = writeConfig("settings: {waitBetweenActions: 0s, lock: {enabled: false}}\npolicies:\n  - {name: crash, target: pods, when: {reasons: [CrashLoopBackOff]}, action: delete}\n");
    for (const dryRun of [[], ["--dry-run=server"]]) {
      const result = await runCli(["sweep", "-o", "json", "-c", cfg, "--kubeconfig", server.kubeconfig(), "--now", "2030-01-01T00:00:00Z", ...dryRun]);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /^kube-sweeper: --now .*only with --dry-run/m);
    }
    assert.equal(server.requests.filter((r) => r.method !== "GET").length, 0, "nothing was sent");
    assert.equal(server.pods.size, 1);
    const dry = await runCli(["sweep", "-o", "json", "-c", cfg, "--kubeconfig", server.kubeconfig(), "--now", "2030-01-01T00:00:00Z", "--dry-run"]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(parseReport(dry.stdout).actions[0]!.status, "would-do");
  } finally {
    await server.close();
  }
});

const manager = (home: string, target: string | undefined) => ({
  metadata: { namespace: home, name: "m" },
  spec: { namespace: target, policies: [{ name: "ttl", condition: { type: "TTL", params: { ttlSeconds: 1 } }, action: { type: "DELETE" } }] },
});

test("a NamespaceManager manages its own namespace only; another namespace needs settings.crossNamespaceManagersFrom naming its home", () => {
  assert.deepEqual(policiesFromManagers([manager("team-a", "team-a"), manager("team-c", undefined)]).policies.map((p) => p.match.namespaces), [["team-a"], ["team-c"]]);
  const refused = policiesFromManagers([manager("team-a", "team-b")]);
  assert.deepEqual(refused.policies, []);
  assert.match(refused.problems[0]!, /NamespaceManager team-a\/m: names namespace team-b, not its own; ignored \(settings\.crossNamespaceManagersFrom/);
  assert.deepEqual(policiesFromManagers([manager("ops", "team-b")], ["ops"]).policies.map((p) => p.match.namespaces), [["team-b"]]);
  assert.equal(policiesFromManagers([manager("team-a", "team-b")], ["ops"]).policies.length, 0);
});

test("the sweeper's own pod stays protected: POD_NAME without POD_NAMESPACE uses the service account's namespace file, or protects that name everywhere", () => {
  const dir = mkdtempSync(join(tmpdir(), "ks-sa-"));
  const nsFile = join(dir, "namespace");
  writeFileSync(nsFile, "ops\n");
  const pod = (namespace: string) => buildPod({ name: "kube-sweeper-1", namespace });
  const isSelf = (self: ReturnType<typeof selfPod>, namespace: string) => podProtections(pod(namespace), { protectedNamespaces: new Set(), namespaces: undefined, self }).some((p) => p.reason === "the sweeper's own pod");
  assert.equal(isSelf(selfPod({ POD_NAME: "kube-sweeper-1", POD_NAMESPACE: "ops" }, nsFile), "ops"), true);
  const fromFile = selfPod({ POD_NAME: "kube-sweeper-1" }, nsFile);
  assert.deepEqual([isSelf(fromFile, "ops"), isSelf(fromFile, "apps")], [true, false]);
  const unknown = selfPod({ POD_NAME: "kube-sweeper-1" }, join(dir, "missing"));
  assert.deepEqual([isSelf(unknown, "ops"), isSelf(unknown, "apps")], [true, true], "namespace unknown: the name is protected in every namespace");
  const inCluster = selfPod({ KUBERNETES_SERVICE_HOST: "10.0.0.1", HOSTNAME: "kube-sweeper-1" }, join(dir, "missing"));
  assert.equal(isSelf(inCluster, "apps"), true);
  assert.equal(selfPod({ HOSTNAME: "laptop" }, nsFile), undefined, "outside a cluster the hostname is not a pod");
});

// target: resources through the real CLI against the fake API server: discovery of built-in and
// custom kinds, every condition, protections, the sweep's deletes (uid precondition, propagation
// policy), a server dry run, explain, and the RBAC `manifests` derives.
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { buildNamespace, buildObject, buildPod, hours, iso, minutes } from "../fixtures/builders.ts";
import { runCli, writeConfig, hasStackTrace } from "../helpers/cli.ts";
import { parseReport } from "../helpers/report-shape.ts";
import { startFakeApiServer, type FakeApiServer } from "../fake-apiserver/server.ts";

const WIDGETS = { group: "example.com", version: "v1", resource: "widgets", kind: "Widget", namespaced: true, shortNames: ["wd"] };

function objects(now: number) {
  const at = { now };
  return [
    buildObject("example.com/v1", "Widget", "w-old", { ...at, age: hours(2), annotations: { "janitor/ttl": "1h" } }),
    buildObject("example.com/v1", "Widget", "w-young", { ...at, age: minutes(30), annotations: { "janitor/ttl": "1h" } }),
    buildObject("example.com/v1", "Widget", "w-bad-ttl", { ...at, age: hours(200), annotations: { "janitor/ttl": "1h30m" } }),
    buildObject("example.com/v1", "Widget", "w-none", { ...at, age: hours(240) }),
    buildObject("apps/v1", "Deployment", "web-expired", { ...at, age: hours(3), annotations: { "kube-sweeper.io/expires": iso(now - minutes(10)) } }, { spec: { replicas: 1 } }),
    buildObject("apps/v1", "Deployment", "web", { ...at, age: hours(3), annotations: { "kube-sweeper.io/expires": iso(now + hours(10)) } }, { spec: { replicas: 1, paused: false } }),
    buildObject("apps/v1", "ReplicaSet", "web-expired-5d4f", { ...at, age: hours(3), annotations: { "kube-sweeper.io/expires": iso(now - minutes(10)) }, owner: { kind: "Deployment", name: "web-expired" } }, { spec: { template: { spec: { volumes: [{ name: "c", configMap: { name: "cm-template" } }] } } } }),
    buildObject("v1", "ConfigMap", "cm-unused", { ...at, age: hours(48) }),
    buildObject("v1", "ConfigMap", "cm-mounted", { ...at, age: hours(48) }),
    buildObject("v1", "ConfigMap", "cm-template", { ...at, age: hours(48) }),
    buildObject("v1", "ConfigMap", "kube-root-ca.crt", { ...at, age: hours(48) }),
    buildObject("v1", "ConfigMap", "cm-system", { ...at, namespace: "kube-system", age: hours(48) }),
    buildObject("v1", "PersistentVolumeClaim", "data-unused", { ...at, age: hours(48) }),
    buildObject("v1", "PersistentVolumeClaim", "data-mounted", { ...at, age: hours(48) }),
    buildObject("v1", "Secret", "builder-token-x", { ...at, age: hours(48), annotations: { "kubernetes.io/service-account.name": "builder" } }, { type: "kubernetes.io/service-account-token" }),
    buildObject("batch/v1", "Job", "done", { ...at, age: hours(30) }, { status: { conditions: [{ type: "Complete", status: "True", lastTransitionTime: iso(now - hours(25)) }] } }),
    buildObject("batch/v1", "Job", "running", { ...at, age: hours(30) }, { status: { active: 1 } }),
  ];
}

const CONFIG = `
settings: {waitBetweenActions: 0, protectedNamespaces: [kube-system]}
policies:
  - name: janitor-ttl
    target: resources
    match: {kinds: [widgets.example.com, deployments.apps, gizmos.example.com]}
    when: {ttl: forever}
    action: delete
  - name: janitor-expires
    target: resources
    match: {kinds: [deployments.apps, replicasets.apps]}
    when: {expires: true}
    action: {delete: {propagationPolicy: Foreground}}
  - name: unused-storage
    target: resources
    match: {kinds: [configmaps, persistentvolumeclaims, secrets]}
    when: {unused: true, olderThan: 1d}
    action: delete
  - name: finished-jobs
    target: resources
    match: {kinds: [jobs.batch]}
    when: {finishedFor: 1d}
    action: delete
  - name: paused
    target: resources
    match: {kinds: [deploy], namespaces: [apps]}
    when: {cel: "object.spec.paused && age > duration('1h')"}
    action: delete
`;

const EXPECTED = ["apps/Job/done", "apps/Widget/w-old", "apps/Deployment/web-expired", "apps/ConfigMap/cm-unused", "apps/PersistentVolumeClaim/data-unused"].sort();

async function withServer(body: (server: FakeApiServer) => Promise<void>) {
  const now = Date.now();
  const server = await startFakeApiServer({
    namespaces: [buildNamespace("apps"), buildNamespace("kube-system")],
    pods: [buildPod({ name: "web-1", namespace: "apps" }, (p) => (p.spec!.volumes = [{ name: "d", persistentVolumeClaim: { claimName: "data-mounted" } }, { name: "c", configMap: { name: "cm-mounted" } } as never]))],
    customResources: [WIDGETS],
    objects: objects(now),
  });
  try {
    await body(server);
  } finally {
    await server.close();
  }
}

const names = (targets: { kind: string; namespace?: string; name: string }[]) => targets.map((t) => `${t.namespace ?? ""}/${t.kind}/${t.name}`).sort();

test("resources plan: ttl (janitor/ttl on a custom resource), expires, unused, finishedFor, cel; protections listed; unknown kind warned", async () => {
  await withServer(async (server) => {
    const result = await runCli(["plan", "-o", "json", "-c", writeConfig(CONFIG), "--kubeconfig", server.kubeconfig()]);
    assert.equal(result.code, 0, result.stderr);
    const report = parseReport(result.stdout);
    assert.deepEqual(names(report.actions.map((a) => a.target)), EXPECTED);
    assert.ok(report.actions.every((a) => a.action === "deleteResource"));
    const reasonsOf = (name: string) => report.actions.find((a) => a.target.name === name)!.reasons.join("; ");
    assert.match(reasonsOf("w-old"), /age 2h\d*m?\d*s? >= ttl 1h \(annotation janitor\/ttl\)/);
    assert.match(reasonsOf("web-expired"), /expired at .* \(10m\d*s? ago, kube-sweeper.io\/expires\)/);
    assert.match(reasonsOf("cm-unused"), /ConfigMap referenced by no pod or pod template in apps/);
    assert.match(reasonsOf("done"), /Complete for 1d\d*h?.* >= 1d/);
    assert.equal((report.actions.find((a) => a.target.name === "w-old")!.target as { apiVersion?: string }).apiVersion, "example.com/v1");
    const skipped = (name: string) => report.skipped.filter((s) => s.target.name === name).map((s) => s.reason).join(" | ");
    assert.match(skipped("web-expired-5d4f"), /protected: owned by Deployment web-expired \(controller\)/);
    assert.match(skipped("kube-root-ca.crt"), /the cluster relies on it/);
    assert.match(skipped("builder-token-x"), /service account token \(builder\)/);
    assert.match(skipped("cm-system"), /protected namespace kube-system/);
    // A CEL runtime error is reported per object and never acted on.
    assert.match(skipped("web-expired"), /when.cel: .*paused.*: not acted on/i);
    assert.equal(skipped("web"), "", "web has spec.paused: false, no error");
    for (const kept of ["w-young", "w-none", "w-bad-ttl", "cm-mounted", "cm-template", "data-mounted", "running", "web"]) assert.ok(!report.actions.some((a) => a.target.name === kept), kept);
    assert.match(result.stderr, /policy janitor-ttl: match.kinds: kind "gizmos.example.com": not served by this API server/);
    assert.equal(report.summary.evaluated.resources, 17 - 1 + 2 /* deployments read once; configmaps incl. kube-system */ - 1);
    assert.ok(!hasStackTrace(result.stderr));
  });
});

test("resources sweep: deletes exactly the planned objects with the uid precondition and the policy's propagation", async () => {
  await withServer(async (server) => {
    const before = new Set(server.objects.keys());
    const result = await runCli(["sweep", "-o", "json", "-c", writeConfig(CONFIG), "--kubeconfig", server.kubeconfig()]);
    assert.equal(result.code, 0, result.stderr);
    const report = parseReport(result.stdout);
    assert.deepEqual(report.actions.map((a) => a.status), report.actions.map(() => "done"));
    const gone = [...before].filter((k) => !server.objects.has(k)).sort();
    assert.deepEqual(gone, ["/configmaps/apps/cm-unused", "/persistentvolumeclaims/apps/data-unused", "apps/deployments/apps/web-expired", "batch/jobs/apps/done", "example.com/widgets/apps/w-old"]);
    const deletes = server.requests.filter((r) => r.method === "DELETE");
    assert.equal(deletes.length, 5);
    for (const d of deletes) assert.match(String((d.body as { preconditions?: { uid?: string } }).preconditions?.uid), /^0000/);
    const deployment = deletes.find((d) => d.path.endsWith("/deployments/web-expired"))!;
    assert.equal((deployment.body as { propagationPolicy?: string }).propagationPolicy, "Foreground");
    assert.equal((deletes.find((d) => d.path.endsWith("/widgets/w-old"))!.body as { propagationPolicy?: string }).propagationPolicy, "Background");
    assert.ok(server.events.some((e) => (e.body.regarding as { kind?: string; apiVersion?: string }).apiVersion === "example.com/v1"), "an Event about the custom resource");
  });
});

test("resources sweep --dry-run=server deletes nothing, every DELETE sent with dryRun=All", async () => {
  await withServer(async (server) => {
    const before = [...server.objects.keys()].sort();
    const result = await runCli(["sweep", "-o", "json", "--dry-run=server", "-c", writeConfig(CONFIG), "--kubeconfig", server.kubeconfig()]);
    assert.equal(result.code, 0, result.stderr);
    const report = parseReport(result.stdout);
    assert.equal(report.actions.length, 5);
    assert.ok(report.actions.every((a) => a.status === "would-do"), JSON.stringify(report.actions.map((a) => [a.status, a.detail])));
    assert.deepEqual([...server.objects.keys()].sort(), before);
    const deletes = server.requests.filter((r) => r.method === "DELETE");
    assert.ok(deletes.length >= 5 && deletes.every((d) => d.query.get("dryRun") === "All"));
  });
});

test("explain KIND/NS/NAME: a ReplicaSet owned by a Deployment is held back by the owned protection", async () => {
  await withServer(async (server) => {
    const result = await runCli(["explain", "replicasets.apps/apps/web-expired-5d4f", "-o", "json", "-c", writeConfig(CONFIG), "--kubeconfig", server.kubeconfig()]);
    assert.equal(result.code, 0, result.stderr);
    const e = JSON.parse(result.stdout);
    assert.equal(e.target.kind, "ReplicaSet");
    const expires = e.policies.find((p: { name: string }) => p.name === "janitor-expires");
    assert.equal(expires.matched, true);
    assert.match(expires.heldBackBy.join(), /owned by Deployment web-expired/);
    assert.deepEqual(e.protections.map((p: { canBeIgnoredWith?: string }) => p.canBeIgnoredWith), ["ignoreProtections: [owned]"]);
    assert.match(e.outcome, /skipped \(policy janitor-expires\): protected: owned/);
  });
});

test("a policy may opt out of the owned protection", async () => {
  await withServer(async (server) => {
    const config = `settings: {waitBetweenActions: 0}\npolicies:\n  - {name: rs, target: resources, match: {kinds: [replicasets.apps]}, when: {expires: true}, action: delete, ignoreProtections: [owned]}\n`;
    const report = parseReport((await runCli(["plan", "-o", "json", "-c", writeConfig(config), "--kubeconfig", server.kubeconfig()])).stdout);
    assert.deepEqual(names(report.actions.map((a) => a.target)), ["apps/ReplicaSet/web-expired-5d4f"]);
  });
});

test("resources from a snapshot of any kinds (kubectl get all,pvc,cm,widgets -A -o json)", async () => {
  const now = Date.parse("2026-11-21T10:00:00Z");
  const file = writeConfig("");
  const items = objects(now).map((o) => ({ ...o }));
  writeFileSync(file, JSON.stringify({ apiVersion: "v1", kind: "List", items: [...items, buildPod({ name: "web-1", namespace: "apps" }, (p) => (p.spec!.volumes = [{ name: "d", persistentVolumeClaim: { claimName: "data-mounted" } }, { name: "c", configMap: { name: "cm-mounted" } } as never]))] }));
  const result = await runCli(["plan", "-o", "json", "-c", writeConfig(CONFIG), "--snapshot", file, "--now", "2026-11-21T10:00:00Z"]);
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(names(parseReport(result.stdout).actions.map((a) => a.target)), EXPECTED);
});

test("manifests: list, get and delete per group and resource, no wildcard; kinds [*] named in a comment, not granted", async () => {
  const result = await runCli(["manifests", "-c", writeConfig(CONFIG + `  - {name: all, target: resources, match: {kinds: ["*"]}, when: {expires: true}, action: delete}\n`)]);
  assert.equal(result.code, 0, result.stderr);
  const rules = result.stdout.split("---").find((doc) => doc.includes("kind: ClusterRole\n"))!;
  assert.match(rules, /- apiGroups:\n\s+- example.com\n\s+resources:\n\s+- widgets\n\s+verbs:\n\s+- list\n\s+- get\n\s+- delete/);
  assert.match(rules, /- apiGroups:\n\s+- ""\n\s+resources:\n\s+- configmaps\n\s+verbs:\n\s+- list\n\s+- get\n\s+- delete/);
  assert.match(rules, /- apiGroups:\n\s+- batch\n\s+resources:\n\s+- cronjobs\n\s+verbs:\n\s+- list\n/);
  assert.match(result.stdout, /# NOTE: NOT GRANTED \(needs broad access\): policy all has kinds: \["\*"\]/);
  assert.doesNotMatch(rules, /\*/);
  assert.doesNotMatch(rules, /- deploy\n/, "a short name is resolved to its resource");
});

test("the kube-janitor migration example (examples/kube-janitor-migration.yaml) plans as kube-janitor would act", async () => {
  const now = Date.parse("2026-11-21T10:00:00Z");
  const at = { now };
  const template = (labels: Record<string, string>) => ({ spec: { replicas: 1, template: { metadata: { labels }, spec: { containers: [{ name: "main", image: "x" }] } } } });
  const file = writeConfig("");
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: "v1",
      kind: "List",
      items: [
        buildObject("apps/v1", "Deployment", "no-app-label-5d", { ...at, age: hours(120) }, template({ run: "x" })),
        buildObject("apps/v1", "Deployment", "no-app-label-3d", { ...at, age: hours(72) }, template({ run: "x" })),
        buildObject("apps/v1", "Deployment", "labelled-5d", { ...at, age: hours(120) }, template({ application: "shop" })),
        buildObject("apps/v1", "Deployment", "pr-123", { ...at, age: hours(3), labels: { pr: "123" } }, template({ application: "shop" })),
        buildObject("apps/v1", "Deployment", "pr-124", { ...at, age: hours(1), labels: { pr: "124" } }, template({ application: "shop" })),
        buildObject("example.com/v1", "Widget", "annotated", { ...at, age: hours(8), annotations: { "janitor/ttl": "8h" } }),
        buildObject("v1", "ConfigMap", "expired", { ...at, age: hours(8), annotations: { "janitor/expires": "2026-11-21T09:00" } }),
        buildObject("v1", "ConfigMap", "system", { ...at, namespace: "kube-system", age: hours(8), annotations: { "janitor/expires": "2026-11-21T09:00" } }),
      ],
    }),
  );
  const config = new URL("../../examples/kube-janitor-migration.yaml", import.meta.url).pathname;
  assert.equal((await runCli(["validate", "-c", config])).code, 0);
  const result = await runCli(["plan", "-o", "json", "-c", config, "--snapshot", file, "--now", "2026-11-21T10:00:00Z"]);
  assert.equal(result.code, 0, result.stderr);
  const report = parseReport(result.stdout);
  assert.deepEqual(report.actions.map((a) => `${a.policy} ${a.target.kind}/${a.target.name}`).sort(), [
    "janitor-annotations Widget/annotated",
    "janitor-expiry ConfigMap/expired",
    "require-application-label Deployment/no-app-label-5d",
    "temporary-pr-deployments Deployment/pr-123",
  ]);
});

test("manifests: a Kind name that is not built-in is granted as written, with a note to name its group", async () => {
  const result = await runCli(["manifests", "-c", writeConfig(`policies:\n  - {name: g, target: resources, match: {kinds: [Gizmo, deploy]}, when: {expires: true}, action: delete}\n`)]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /# NOTE: policy g names kind "Gizmo", which is not a built-in resource: granted as core "gizmo"; if it is a custom resource, write it as resource.group/);
  assert.match(result.stdout, /- apps\n\s+resources:\n\s+- deployments\n/);
});

test("-n narrows resource reads to those namespaces (cluster-scoped kinds not read)", async () => {
  await withServer(async (server) => {
    const config = writeConfig(`settings: {waitBetweenActions: 0}\npolicies:\n  - {name: u, target: resources, match: {kinds: [configmaps, clusterroles.rbac.authorization.k8s.io]}, when: {unused: true, olderThan: 1d}, action: delete}\n`);
    const result = await runCli(["plan", "-o", "json", "-c", config, "-n", "kube-system", "--kubeconfig", server.kubeconfig()]);
    assert.equal(result.code, 0, result.stderr);
    const report = parseReport(result.stdout);
    assert.deepEqual(report.actions, []);
    assert.deepEqual(report.skipped.map((s) => s.target.name), ["cm-system"]);
    const lists = server.requests.filter((r) => r.method === "GET" && /configmaps|clusterroles|pods/.test(r.path)).map((r) => r.path);
    assert.ok(lists.length > 0 && lists.every((p) => p.includes("/namespaces/kube-system/")), lists.join("\n"));
  });
});

test("resources sweep: a fresh look before every delete — protected, replaced or no longer expired meanwhile is not deleted", async () => {
  const now = Date.now();
  const widget = (name: string, age: number) => buildObject("example.com/v1", "Widget", name, { now, age, annotations: { "janitor/ttl": "1h" } });
  const key = (name: string) => `example.com/widgets/apps/${name}`;
  let changed = false;
  const server: FakeApiServer = await startFakeApiServer({
    namespaces: [buildNamespace("apps")],
    customResources: [WIDGETS],
    objects: [widget("w-a", hours(5)), widget("w-b", hours(4)), widget("w-c", hours(3)), widget("w-d", hours(2))],
    // After the first delete, before the next turn: the world changes under the paced sweep.
    intercept: (req) => {
      if (changed || req.method !== "DELETE") return false;
      changed = true;
      server.objects.get(key("w-b"))!.metadata!.annotations!["kube-sweeper.io/protect"] = "true";
      server.objects.get(key("w-c"))!.metadata!.uid = "11111111-2222-3333-4444-555555555555";
      server.objects.get(key("w-d"))!.metadata!.annotations!["janitor/ttl"] = "forever";
      return false;
    },
  });
  try {
    const config = writeConfig(`
settings: {waitBetweenActions: 0, lock: {enabled: false}}
policies:
  - {name: ttl, target: resources, match: {kinds: [widgets.example.com]}, when: {ttl: forever}, action: delete}
`);
    const result = await runCli(["sweep", "-o", "json", "-c", config, "--kubeconfig", server.kubeconfig()]);
    assert.equal(result.code, 0, result.stderr);
    const report = parseReport(result.stdout);
    const outcome = Object.fromEntries(report.actions.map((a) => [a.target.name, `${a.status}: ${a.detail}`]));
    assert.match(outcome["w-a"]!, /^done/);
    assert.match(outcome["w-b"]!, /^skipped: protected now: annotated kube-sweeper.io\/protect=true/);
    assert.match(outcome["w-c"]!, /^conflict: the object was replaced/);
    assert.match(outcome["w-d"]!, /^skipped: no longer holds: .*forever/);
    // Only w-a was deleted; the others are still there.
    assert.deepEqual(server.requests.filter((r) => r.method === "DELETE").map((r) => r.path.split("/").pop()), ["w-a"]);
    assert.ok(server.objects.has(key("w-b")) && server.objects.has(key("w-c")) && server.objects.has(key("w-d")));
  } finally {
    await server.close();
  }
});

for (const body of ["null", "{}", JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Success" })]) {
  test(`resources sweep: the object read again before its delete answers 200 ${body}: a failed read, not "gone" or "conflict", and no delete sent`, async () => {
    const now = Date.now();
    const server = await startFakeApiServer({
      namespaces: [buildNamespace("apps")],
      customResources: [WIDGETS],
      objects: [buildObject("example.com/v1", "Widget", "w-a", { now, age: hours(5), annotations: { "janitor/ttl": "1h" } })],
      intercept: (req, res) => {
        if (req.method !== "GET" || req.path !== "/apis/example.com/v1/namespaces/apps/widgets/w-a") return false;
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end(body);
        return true;
      },
    });
    try {
      const config = writeConfig(`
settings: {waitBetweenActions: 0, lock: {enabled: false}}
policies:
  - {name: ttl, target: resources, match: {kinds: [widgets.example.com]}, when: {ttl: forever}, action: delete}
`);
      const result = await runCli(["sweep", "-o", "json", "-c", config, "--kubeconfig", server.kubeconfig(), "--retries", "0"]);
      assert.equal(result.code, 1, result.stderr);
      const [action] = parseReport(result.stdout).actions;
      assert.equal(action!.status, "failed", action!.detail);
      assert.match(action!.detail, /not the Widget w-a/);
      assert.deepEqual(server.requests.filter((r) => r.method === "DELETE"), []);
    } finally {
      await server.close();
    }
  });
}

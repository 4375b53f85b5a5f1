// The real-cluster tier for target: resources: a CustomResourceDefinition created in the API
// server and objects of it with and without janitor/ttl, a Deployment with an expired
// kube-sweeper.io/expires, an unused and a mounted PVC and ConfigMap, a finished Job, ReplicaSets
// owned by Deployments. A server dry run deletes nothing; a sweep as a ServiceAccount bound to
// exactly the Role `manifests` generated deletes exactly the expected objects (read back from the server).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { parseAllDocuments, stringify } from "yaml";
import { freshNamespace, podTemplate, useCluster, waitFor, type Kube } from "./harness.ts";
import { runCli, writeConfig } from "../helpers/cli.ts";
import { parseReport } from "../helpers/report-shape.ts";

const { env, kube } = useCluster({ before, after });
const kubectl = (args: string[], input?: string) => spawnSync(env.kubectl, ["--kubeconfig", env.kubeconfigs.admin, ...args], { input, encoding: "utf8" });

const GROUP = "e2e.kube-sweeper.io";
const CRD = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: `widgets.${GROUP}` },
  spec: {
    group: GROUP,
    scope: "Namespaced",
    names: { plural: "widgets", singular: "widget", kind: "Widget", shortNames: ["wd"] },
    versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } } }],
  },
};

async function ensureCrd(k: Kube): Promise<void> {
  if (!(await k.exists(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.${GROUP}`))) await k.create("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", CRD);
  await waitFor("the Widget CRD established and served", async () => {
    const crd = await k.get<{ status?: { conditions?: { type: string; status: string }[] } }>(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.${GROUP}`);
    return crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True") && (await k.exists(`/apis/${GROUP}/v1`));
  });
}

interface Scenario {
  ns: string;
  /** path -> expected to be deleted by the sweep */
  objects: Record<string, boolean>;
}

async function scenario(prefix: string): Promise<Scenario> {
  const ns = await freshNamespace(kube, prefix);
  const objects: Record<string, boolean> = {};
  const create = async (collection: string, body: { metadata: { name: string } }, deleted: boolean) => {
    await kube.create(collection, body);
    objects[`${collection}/${body.metadata.name}`] = deleted;
  };
  const widgets = `/apis/${GROUP}/v1/namespaces/${ns}/widgets`;
  await create(widgets, { apiVersion: `${GROUP}/v1`, kind: "Widget", metadata: { name: "w-ttl-1s", annotations: { "janitor/ttl": "1s" } } } as never, true);
  await create(widgets, { apiVersion: `${GROUP}/v1`, kind: "Widget", metadata: { name: "w-ttl-1h", annotations: { "janitor/ttl": "1h" } } } as never, false);
  await create(widgets, { apiVersion: `${GROUP}/v1`, kind: "Widget", metadata: { name: "w-no-ttl" } } as never, false);
  const deployments = `/apis/apps/v1/namespaces/${ns}/deployments`;
  const deployment = (name: string, expires: string) => ({ metadata: { name, annotations: { "kube-sweeper.io/expires": expires } }, spec: { replicas: 0, selector: { matchLabels: { app: name } }, template: podTemplate(name) } });
  await create(deployments, deployment("web-expired", new Date(Date.now() - 3_600_000).toISOString()) as never, true);
  await create(deployments, deployment("web-keep", new Date(Date.now() + 3_600_000).toISOString()) as never, false);
  const configmaps = `/api/v1/namespaces/${ns}/configmaps`;
  await create(configmaps, { metadata: { name: "cm-unused" }, data: { a: "1" } } as never, true);
  await create(configmaps, { metadata: { name: "cm-mounted" }, data: { a: "1" } } as never, false);
  const pvcs = `/api/v1/namespaces/${ns}/persistentvolumeclaims`;
  const pvc = (name: string) => ({ metadata: { name }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Mi" } } } });
  await create(pvcs, pvc("data-unused") as never, true);
  await create(pvcs, pvc("data-mounted") as never, false);
  // The pod that mounts cm-mounted and data-mounted (a bare pod: nothing else refers to them).
  await kube.create(`/api/v1/namespaces/${ns}/pods`, {
    metadata: { name: "user" },
    spec: {
      nodeName: "e2e-node-1",
      containers: [{ name: "main", image: "registry.local/app:1", volumeMounts: [{ name: "c", mountPath: "/c" }, { name: "d", mountPath: "/d" }] }],
      volumes: [{ name: "c", configMap: { name: "cm-mounted" } }, { name: "d", persistentVolumeClaim: { claimName: "data-mounted" } }],
    },
  });
  // Jobs with parallelism 0 run no pods; one is marked finished two hours ago through its status.
  const jobs = `/apis/batch/v1/namespaces/${ns}/jobs`;
  const job = (name: string) => ({ metadata: { name }, spec: { parallelism: 0, template: { ...podTemplate(name), spec: { ...podTemplate(name).spec, restartPolicy: "Never" } } } });
  await create(jobs, job("job-finished") as never, true);
  await create(jobs, job("job-unfinished") as never, false);
  const finishedAt = new Date(Date.now() - 2 * 3_600_000).toISOString().replace(/\.\d{3}Z$/, "Z");
  await kube.mergePatch(`${jobs}/job-finished/status`, { status: { conditions: [{ type: "Complete", status: "True", lastTransitionTime: finishedAt, lastProbeTime: finishedAt }], startTime: finishedAt, completionTime: finishedAt } });
  // The Deployment controller makes a ReplicaSet for each Deployment, owned by it.
  for (const d of ["web-expired", "web-keep"]) {
    await waitFor(`the ReplicaSet of ${d}`, async () => (await kube.get<{ items: { metadata: { ownerReferences?: { name: string }[] } }[] }>(`/apis/apps/v1/namespaces/${ns}/replicasets`)).items.some((rs) => rs.metadata.ownerReferences?.some((o) => o.name === d)));
  }
  // Ages of at least the 1s TTL.
  await new Promise((r) => setTimeout(r, 2_100));
  return { ns, objects };
}

const configText = (ns: string) => `settings: {waitBetweenActions: 0, lock: {namespace: ${ns}}}
policies:
  - {name: janitor-ttl, target: resources, match: {kinds: [widgets.${GROUP}], namespaces: [${ns}]}, when: {ttl: forever}, action: delete}
  - {name: expired, target: resources, match: {kinds: [deployments.apps], namespaces: [${ns}]}, when: {expires: true}, action: delete}
  - {name: unused, target: resources, match: {kinds: [configmaps, persistentvolumeclaims], namespaces: [${ns}]}, when: {unused: true, olderThan: 1s}, action: delete}
  - {name: finished, target: resources, match: {kinds: [jobs.batch], namespaces: [${ns}]}, when: {finishedFor: 1h}, action: delete}
  - {name: owned, target: resources, match: {kinds: [replicasets.apps], namespaces: [${ns}]}, when: {olderThan: 1s}, action: delete}
`;

async function present(path: string): Promise<boolean> {
  if (!(await kube.exists(path))) return false;
  // A PVC with its protection finalizer lingers a moment after a delete.
  const obj = await kube.get<{ metadata: { deletionTimestamp?: string } }>(path);
  return !obj.metadata.deletionTimestamp;
}

test("resources: --dry-run=server deletes nothing; the plan lists exactly the expected objects and the protections", async () => {
  await ensureCrd(kube);
  const s = await scenario("res-dry");
  const result = await runCli(["sweep", "--dry-run=server", "-o", "json", "-c", writeConfig(configText(s.ns)), "-n", s.ns, "--kubeconfig", env.kubeconfigs.admin], { timeoutMs: 60_000 });
  assert.equal(result.code, 0, result.stderr);
  const report = parseReport(result.stdout);
  assert.deepEqual(report.actions.map((a) => a.target.name).sort(), ["cm-unused", "data-unused", "job-finished", "w-ttl-1s", "web-expired"]);
  assert.ok(report.actions.every((a) => a.status === "would-do"), JSON.stringify(report.actions.map((a) => [a.target.name, a.status, a.detail])));
  const skipped = report.skipped.map((x) => `${x.target.name}: ${x.reason}`).join("\n");
  assert.match(skipped, /web-expired-[a-z0-9]+: protected: owned by Deployment web-expired \(controller\)/);
  assert.match(skipped, /web-keep-[a-z0-9]+: protected: owned by Deployment web-keep/);
  assert.match(skipped, /kube-root-ca.crt: protected: the cluster relies on it/);
  for (const path of Object.keys(s.objects)) assert.ok(await present(path), `${path} still there after a server dry run`);
});

test("resources: a ServiceAccount bound to exactly the generated Role sweeps; exactly the expected objects are deleted", async () => {
  await ensureCrd(kube);
  const s = await scenario("res-sweep");
  const config = writeConfig(configText(s.ns));
  const generated = await runCli(["manifests", "-c", config, "--namespace-scoped", "-n", s.ns, "--cronjob-api", "batch/v1beta1"]);
  assert.equal(generated.code, 0, generated.stderr);
  const docs = parseAllDocuments(generated.stdout).map((d) => d.toJS() as { kind: string; rules?: { apiGroups: string[]; resources: string[]; verbs: string[] }[] });
  const rbac = docs.filter((d) => ["ServiceAccount", "Role", "RoleBinding"].includes(d.kind));
  assert.equal(kubectl(["apply", "-f", "-"], rbac.map((d) => `---\n${stringify(d)}`).join("")).status, 0);
  const role = rbac.find((d) => d.kind === "Role")!;
  const rules = role.rules!.map((r) => `${r.apiGroups[0] || "core"}/${r.resources[0]}: ${r.verbs.join(",")}`).sort();
  assert.ok(rules.includes(`${GROUP}/widgets: list,get,delete`) && rules.includes("apps/replicasets: list,get,delete") && rules.includes("core/persistentvolumeclaims: list,get,delete"), rules.join("\n"));
  assert.ok(!JSON.stringify(role.rules).includes("*"), "no wildcard");

  const secretName = await waitFor("the ServiceAccount's token secret", async () => (await kube.get<{ secrets?: { name: string }[] }>(`/api/v1/namespaces/${s.ns}/serviceaccounts/kube-sweeper`)).secrets?.[0]?.name);
  const secret = await kube.get<{ data: { token: string } }>(`/api/v1/namespaces/${s.ns}/secrets/${secretName}`);
  const token = Buffer.from(secret.data.token, "base64").toString();
  const kubeconfig = writeConfig(
    execFileSync(env.kubectl, ["--kubeconfig", env.kubeconfigs.admin, "config", "view", "--minify", "--raw", "-o", "json"], { encoding: "utf8" }).replace(/"token": "[^"]*"/, `"token": "${token}"`),
  );
  const result = await runCli(["sweep", "-o", "json", "-c", config, "-n", s.ns, "--kubeconfig", kubeconfig], { timeoutMs: 60_000 });
  assert.equal(result.code, 0, result.stderr);
  const report = parseReport(result.stdout);
  assert.deepEqual(report.actions.map((a) => [a.target.name, a.status]).sort(), [["cm-unused", "done"], ["data-unused", "done"], ["job-finished", "done"], ["w-ttl-1s", "done"], ["web-expired", "done"]]);
  for (const [path, deleted] of Object.entries(s.objects)) {
    if (deleted) await waitFor(`${path} deleted`, async () => !(await present(path)));
    else assert.ok(await present(path), `${path} kept`);
  }
  // The ReplicaSet of the kept Deployment is still there (owned: never acted on).
  const replicaSets = await kube.get<{ items: { metadata: { name: string; ownerReferences?: { name: string }[] } }[] }>(`/apis/apps/v1/namespaces/${s.ns}/replicasets`);
  assert.ok(replicaSets.items.some((rs) => rs.metadata.ownerReferences?.some((o) => o.name === "web-keep")));
  // Events about the custom resource and the Deployment, in the objects' namespace.
  const events = await kube.get<{ items: { reportingController: string; regarding: { kind: string; apiVersion: string; name: string } }[] }>(`/apis/events.k8s.io/v1/namespaces/${s.ns}/events`);
  const ours = events.items.filter((e) => e.reportingController === "kube-sweeper.io/kube-sweeper").map((e) => `${e.regarding.apiVersion} ${e.regarding.kind} ${e.regarding.name}`);
  assert.ok(ours.includes(`${GROUP}/v1 Widget w-ttl-1s`) && ours.includes("apps/v1 Deployment web-expired"), ours.join("\n"));
});

test("resources: notifyBefore puts a Warning Event on the server (kube-system for a cluster-scoped object) before the ttl falls due; a second sweep does not repeat it (409 AlreadyExists); a server dry run leaves none", async () => {
  const ns = await freshNamespace(kube, "res-notice");
  await kube.create(`/api/v1/namespaces/${ns}/configmaps`, { metadata: { name: "cm-due", annotations: { "janitor/ttl": "1h" } }, data: { a: "1" } });
  await kube.create(`/api/v1/namespaces/${ns}/configmaps`, { metadata: { name: "cm-later", annotations: { "janitor/ttl": "3h" } }, data: { a: "1" } });
  const role = `e2e-notice-${ns}`;
  await kube.create("/apis/rbac.authorization.k8s.io/v1/clusterroles", { metadata: { name: role, annotations: { "janitor/ttl": "1h" } }, rules: [] });
  try {
    const config = writeConfig(`settings: {waitBetweenActions: 0, lock: {namespace: ${ns}}}
policies:
  - {name: notice-cm, target: resources, match: {kinds: [configmaps], namespaces: [${ns}]}, when: {ttl: forever}, notifyBefore: 2h, action: delete}
  - {name: notice-role, target: resources, match: {kinds: [clusterroles.rbac.authorization.k8s.io], name: "^${role}$"}, when: {ttl: forever}, notifyBefore: 2h, action: delete}
`);
    type EventList = { items: { metadata: { name: string }; type: string; reason: string; note: string; regarding: { kind: string; name: string } }[] };
    const notices = async () => [
      ...(await kube.get<EventList>(`/apis/events.k8s.io/v1/namespaces/${ns}/events`)).items,
      ...(await kube.get<EventList>("/apis/events.k8s.io/v1/namespaces/kube-system/events")).items.filter((e) => e.regarding.name === role),
    ].filter((e) => e.reason === "DeletionDue");
    const run = async (...flags: string[]) => {
      const result = await runCli(["sweep", ...flags, "-o", "json", "-c", config, "--kubeconfig", env.kubeconfigs.admin], { timeoutMs: 60_000 });
      assert.equal(result.code, 0, result.stderr);
      const report = parseReport(result.stdout);
      assert.deepEqual(report.actions, [], "nothing is due yet");
      return report.notices!.map((n) => `${n.target.name} ${n.status}`).sort();
    };
    assert.deepEqual(await run("--dry-run=server"), ["cm-due would-do", `${role} would-do`]);
    assert.deepEqual(await notices(), [], "a server dry run creates no Event");
    assert.deepEqual(await run(), ["cm-due done", `${role} done`]);
    const sent = await notices();
    assert.deepEqual(sent.map((e) => `${e.type} ${e.regarding.kind} ${e.regarding.name}`).sort(), [`Warning ClusterRole ${role}`, "Warning ConfigMap cm-due"]);
    assert.deepEqual(await run(), ["cm-due skipped", `${role} skipped`]);
    assert.equal((await notices()).length, 2, "not repeated");
    // The server dry run of a notice already sent is refused the same way (the dry-run storage checks the name).
    assert.deepEqual(await run("--dry-run=server"), ["cm-due skipped", `${role} skipped`]);
    assert.ok(await kube.exists(`/api/v1/namespaces/${ns}/configmaps/cm-due`), "nothing deleted");
  } finally {
    await kube.request("DELETE", `/apis/rbac.authorization.k8s.io/v1/clusterroles/${role}`).catch(() => undefined);
  }
});

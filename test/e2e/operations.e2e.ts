// The real-cluster tier for operations: generated manifests applied to the server, a sweep as a
// ServiceAccount bound to exactly the generated Role (and failing clearly without any one rule),
// the Lease lock under two concurrent sweeps, and Events recorded in the server.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments, stringify } from "yaml";
import { createDeployment, freshNamespace, podState, runningPods, setPodStatus, terminatedState, useCluster, waitFor } from "./harness.ts";
import { runCli, writeConfig } from "../helpers/cli.ts";
import { parseReport } from "../helpers/report-shape.ts";

const { env, kube } = useCluster({ before, after });

const crash = { restarts: 4, ready: false, state: { waiting: { reason: "CrashLoopBackOff" } }, lastState: terminatedState(1) };
const kubectl = (args: string[], input?: string) => spawnSync(env.kubectl, ["--kubeconfig", env.kubeconfigs.admin, ...args], { input, encoding: "utf8" });

async function crashingPods(ns: string, app: string, count: number): Promise<string[]> {
  await createDeployment(kube, ns, app, count);
  const pods = (await runningPods(kube, ns, app, count)).map((p) => p.metadata!.name!);
  for (const pod of pods) await setPodStatus(kube, ns, pod, crash);
  return pods;
}

test("the README's deployment commands: generated manifests pass kubectl apply --dry-run=server (batch/v1beta1 CronJob on 1.20)", async () => {
  const config = writeConfig("policies:\n  - {name: crash, target: pods, when: {reasons: [CrashLoopBackOff], olderThan: 10m}, action: delete}\n");
  const ns = await freshNamespace(kube, "install");
  const generated = await runCli(["manifests", "-c", config, "--schedule", "*/10 * * * *", "--install-namespace", ns, "--cronjob-api", "batch/v1beta1"]);
  assert.equal(generated.code, 0, generated.stderr);
  const applied = kubectl(["apply", "--dry-run=server", "-f", "-"], generated.stdout);
  assert.equal(applied.status, 0, applied.stderr);
  for (const kind of ["serviceaccount/kube-sweeper", "clusterrole.rbac.authorization.k8s.io/kube-sweeper", "configmap/kube-sweeper", "cronjob.batch/kube-sweeper"]) {
    assert.match(applied.stdout, new RegExp(`${kind.replace(/[./]/g, "\\$&")} created \\(server dry run\\)`));
  }
  // batch/v1 CronJob is served from Kubernetes 1.21: this server says so.
  const v1 = await runCli(["manifests", "-c", config, "--install-namespace", ns]);
  const refused = kubectl(["apply", "--dry-run=server", "-f", "-"], v1.stdout);
  assert.notEqual(refused.status, 0);
  assert.match(refused.stderr, /no matches for kind "CronJob" in version "batch\/v1"/);
});

test("a ServiceAccount bound to exactly the generated Role can sweep; without any one of its rules the sweep stops with a clear permission error", async () => {
  const ns = await freshNamespace(kube, "rbac-min");
  const configText = `settings: {waitBetweenActions: 0, lock: {namespace: ${ns}}}\npolicies:\n  - {name: crash, target: pods, match: {namespaces: [${ns}]}, when: {reasons: [CrashLoopBackOff]}, action: delete}\n  - {name: oom, target: pods, match: {namespaces: [${ns}]}, when: {reasons: [OOMKilled]}, action: evict}\n`;
  const config = writeConfig(configText);
  const generated = await runCli(["manifests", "-c", config, "--namespace-scoped", "-n", ns, "--cronjob-api", "batch/v1beta1"]);
  assert.equal(generated.code, 0, generated.stderr);
  const docs = parseAllDocuments(generated.stdout).map((d) => d.toJS() as { kind: string; rules?: { apiGroups: string[]; resources: string[]; verbs: string[] }[] });
  const rbac = docs.filter((d) => ["ServiceAccount", "Role", "RoleBinding"].includes(d.kind));
  assert.equal(kubectl(["apply", "-f", "-"], rbac.map((d) => `---\n${stringify(d)}`).join("")).status, 0);
  const role = rbac.find((d) => d.kind === "Role")!;
  assert.deepEqual(role.rules!.map((r) => `${r.apiGroups[0] || "core"}/${r.resources[0]}: ${r.verbs.join(",")}`).sort(), [
    "coordination.k8s.io/leases: get,create,update",
    "core/pods/eviction: create",
    "core/pods: list,get,delete",
    "events.k8s.io/events: create",
  ]);

  // The ServiceAccount's token (the token controller makes its Secret on 1.20).
  const secretName = await waitFor("the ServiceAccount's token secret", async () => (await kube.get<{ secrets?: { name: string }[] }>(`/api/v1/namespaces/${ns}/serviceaccounts/kube-sweeper`)).secrets?.[0]?.name);
  const secret = await kube.get<{ data: { token: string } }>(`/api/v1/namespaces/${ns}/secrets/${secretName}`);
  const token = Buffer.from(secret.data.token, "base64").toString();
  const kubeconfig = writeConfig(
    execFileSync(env.kubectl, ["--kubeconfig", env.kubeconfigs.admin, "config", "view", "--minify", "--raw", "-o", "json"], { encoding: "utf8" }).replace(/"token": "[^"]*"/, `"token": "${token}"`),
  );
  const sweep = (app: string) => runCli(["sweep", "-o", "json", "-c", config, "-n", ns, "--kubeconfig", kubeconfig], { timeoutMs: 60_000 });

  const [crashing] = await crashingPods(ns, "full", 1);
  const [oom] = await crashingPods(ns, "oomer", 1);
  await setPodStatus(kube, ns, oom!, { restarts: 1, lastState: terminatedState(137, "OOMKilled") });
  const ok = await sweep("full");
  assert.equal(ok.code, 0, ok.stderr);
  assert.deepEqual(parseReport(ok.stdout).actions.map((a) => a.status), ["done", "done"]);
  await waitFor(`${crashing} gone`, async () => (await podState(kube, ns, crashing!)).state === "gone");

  for (const rule of role.rules!) {
    const label = `${rule.resources[0]} ${rule.verbs.join(",")}`;
    const without = { ...role, rules: role.rules!.filter((r) => r !== rule) };
    assert.equal(kubectl(["apply", "-f", "-"], stringify(without)).status, 0);
    const [victim] = await crashingPods(ns, `w-${rule.resources[0]!.replace(/[^a-z]/g, "")}`, 1);
    const [evictee] = await crashingPods(ns, `e-${rule.resources[0]!.replace(/[^a-z]/g, "")}`, 1);
    await setPodStatus(kube, ns, evictee!, { restarts: 1, lastState: terminatedState(137, "OOMKilled") });
    const result = await sweep(label);
    assert.notEqual(result.code, 0, `without ${label} the sweep succeeded:\n${result.stdout}`);
    assert.match(result.stderr, /forbidden|missing permission|cannot/i, `without ${label}: ${result.stderr}`);
    assert.equal(result.stderr.trim().split("\n").filter((l) => l.startsWith("kube-sweeper:")).length, 1, result.stderr);
    assert.equal((await podState(kube, ns, victim!)).state, "present", `without ${label} a pod was deleted anyway`);
    assert.equal(kubectl(["apply", "-f", "-"], stringify(role)).status, 0);
    await kube.request("DELETE", `/api/v1/namespaces/${ns}/pods/${victim}`, { gracePeriodSeconds: 0 });
    await kube.request("DELETE", `/api/v1/namespaces/${ns}/pods/${evictee}`, { gracePeriodSeconds: 0 });
  }
});

test("two concurrent sweeps: one takes the Lease and acts, the other exits 2 naming the holder; the Lease is released", async () => {
  const ns = await freshNamespace(kube, "lock");
  const pods = await crashingPods(ns, "lockers", 2);
  const config = writeConfig(`settings: {waitBetweenActions: 0, lock: {namespace: ${ns}}}\npolicies:\n  - {name: crash, target: pods, when: {reasons: [CrashLoopBackOff]}, action: delete}\n`);
  const run = () => runCli(["sweep", "-o", "json", "-c", config, "-n", ns, "--wait", "3s", "--kubeconfig", env.kubeconfigs.admin], { timeoutMs: 60_000 });
  const first = run();
  const held = await waitFor("the Lease held", async () => {
    try {
      const lease = await kube.get<{ spec: { holderIdentity?: string } }>(`/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/kube-sweeper`);
      return lease.spec.holderIdentity ?? undefined;
    } catch {
      return undefined;
    }
  });
  const second = await run();
  const winner = await first;
  assert.equal(winner.code, 0, winner.stderr);
  assert.equal(parseReport(winner.stdout).actions.filter((a) => a.status === "done").length, 2);
  assert.equal(second.code, 2);
  assert.match(second.stderr, new RegExp(`another sweep holds the lock \\(lease ${ns}/kube-sweeper\\): holder ${held}`));
  assert.equal(second.stdout, "");
  const lease = await kube.get<{ spec: { holderIdentity?: string } }>(`/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/kube-sweeper`);
  assert.equal(lease.spec.holderIdentity, undefined, "released");
  for (const pod of pods) await waitFor(`${pod} gone`, async () => (await podState(kube, ns, pod)).state === "gone");
});

test("Events: every action done leaves an events.k8s.io/v1 Event on its object in the server", async () => {
  const ns = await freshNamespace(kube, "events");
  const [pod] = await crashingPods(ns, "evented", 1);
  const uid = ((await podState(kube, ns, pod!)) as { uid: string }).uid;
  const config = writeConfig(`settings: {waitBetweenActions: 0, lock: {namespace: ${ns}}}\npolicies:\n  - {name: crash, target: pods, when: {reasons: [CrashLoopBackOff]}, action: delete}\n`);
  const result = await runCli(["sweep", "-o", "json", "-c", config, "-n", ns, "--kubeconfig", env.kubeconfigs.admin]);
  assert.equal(result.code, 0, result.stderr);
  const events = await kube.get<{ items: { reason: string; type: string; reportingController: string; note: string; regarding: { uid: string; name: string } }[] }>(`/apis/events.k8s.io/v1/namespaces/${ns}/events`);
  const ours = events.items.filter((e) => e.reportingController === "kube-sweeper.io/kube-sweeper");
  assert.equal(ours.length, 1);
  assert.equal(ours[0]!.reason, "SweptPod");
  assert.equal(ours[0]!.type, "Normal");
  assert.equal(ours[0]!.regarding.uid, uid);
  assert.match(ours[0]!.note, /^policy crash: restarts 4 >= |^policy crash: container main reason CrashLoopBackOff/);
});

test("the README's deployment block, run verbatim (kube-sweeper and kubectl on PATH) against this server", async () => {
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  const marker = readme.indexOf("<!-- verified by test/e2e/operations.e2e.ts");
  assert.ok(marker > 0, "the README's deployment block is marked");
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(marker))![1]!;
  const dir = mkdtempSync(join(tmpdir(), "ks-readme-"));
  const bin = join(dir, "bin");
  mkdirSync(bin);
  writeFileSync(join(bin, "kube-sweeper"), `#!/bin/sh\nexec "${process.execPath}" "${new URL("../../dist/main.mjs", import.meta.url).pathname}" "$@"\n`, { mode: 0o755 });
  writeFileSync(join(bin, "kubectl"), `#!/bin/sh\nexec "${env.kubectl}" "$@"\n`, { mode: 0o755 });
  writeFileSync(join(dir, "kube-sweeper.yaml"), readFileSync(new URL("../../examples/kube-sweeper.yaml", import.meta.url)));
  const result = spawnSync("bash", ["-euo", "pipefail", "-c", block], { cwd: dir, encoding: "utf8", env: { PATH: `${bin}:${process.env.PATH}`, KUBECONFIG: env.kubeconfigs.admin, HOME: dir } });
  assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
  assert.match(result.stdout, /cronjob\.batch\/kube-sweeper created \(server dry run\)/);
  assert.match(result.stdout, /clusterrole\.rbac\.authorization\.k8s\.io\/kube-sweeper created \(server dry run\)/);
});

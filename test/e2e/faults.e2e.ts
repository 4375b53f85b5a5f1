// Fault injection on the real-cluster tier: the API server stopped mid-sweep, etcd paused, and a
// proxy injecting 429/500/resets/slow answers. After each, the API server's own audit log says
// what was really deleted: every planned pod exactly once, none twice, and the reports agree.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { freshNamespace, useCluster, waitFor, type Kube } from "./harness.ts";
import { auditedWrites, pauseEtcd, startApiServer, startFaultProxy, stopApiServer, waitReady, type Fault } from "./faults.ts";
import { runCli, writeConfig } from "../helpers/cli.ts";
import { parseReport, type ReportShape } from "../helpers/report-shape.ts";

const { env, kube } = useCluster({ before, after });

/** Pods nothing can schedule: they stay Pending, and a delete removes them at once. */
async function pendingPods(k: Kube, ns: string, count: number): Promise<string[]> {
  // Pods need the namespace's default service account token, which a controller adds shortly
  // (and later still after an API server restart).
  await waitFor(`${ns} default token`, async () => ((await k.get<{ secrets?: unknown[] }>(`/api/v1/namespaces/${ns}/serviceaccounts/default`).catch(() => ({ secrets: [] }))).secrets?.length ?? 0) > 0, 60_000);
  const names = Array.from({ length: count }, (_, i) => `p-${String(i).padStart(3, "0")}`);
  for (let i = 0; i < names.length; i += 25) {
    await Promise.all(
      names.slice(i, i + 25).map((name) =>
        k.create(`/api/v1/namespaces/${ns}/pods`, {
          metadata: { name, labels: { app: "fault" } },
          spec: { nodeSelector: { "kube-sweeper.io/e2e": "nowhere" }, containers: [{ name: "main", image: "registry.invalid/app:1" }] },
        }),
      ),
    );
  }
  return names;
}

const sweepConfig = (ns: string) =>
  writeConfig(`
settings: {waitBetweenActions: 0s, lock: {enabled: false}}
policies:
  - name: pending
    target: pods
    match: {namespaces: [${ns}]}
    when: {phases: [Pending]}
    action: delete
    ignoreProtections: [bare-pods]
`);

/** Successful pod deletions the server recorded, by name. */
function deletedOnServer(ns: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const w of auditedWrites(ns)) {
    if (w.verb === "delete" && w.resource === "pods" && !w.subresource && w.code === 200) counts.set(w.name!, (counts.get(w.name!) ?? 0) + 1);
  }
  return counts;
}

const byStatus = (report: ReportShape, status: string) => report.actions.filter((a) => a.status === status).map((a) => a.target.name);

test("the API server stopped in the middle of a sweep of 200 deletions: a clear error, a truthful partial report; the next run finishes; 200 deletions in all, none twice", async () => {
  const ns = await freshNamespace(kube, "apiserver-stop");
  const names = await pendingPods(kube, ns, 200);
  const config = sweepConfig(ns);
  const first = runCli(["sweep", "-o", "json", "-c", config, "--kubeconfig", env.kubeconfigs.admin, "--qps", "20", "--burst", "1", "--retries", "3"], { timeoutMs: 180_000 });
  await waitFor("40 deletions", async () => deletedOnServer(ns).size >= 40, 60_000);
  await stopApiServer();
  const stopped = await first;
  let restarted = false;
  try {
    assert.equal(stopped.code, 1, stopped.stderr);
    assert.match(stopped.stderr, /ERROR: stopped: the API server stopped answering; \d+ actions not started; a later run picks them up/);
    const report = parseReport(stopped.stdout);
    const done = byStatus(report, "done");
    const failed = report.actions.filter((a) => a.status === "failed");
    const notStarted = report.actions.filter((a) => a.status === "planned");
    assert.equal(report.actions.length, 200);
    assert.ok(done.length >= 40 && done.length < 200, `${done.length} done`);
    assert.equal(failed.length, 1);
    assert.match(failed[0]!.detail, /no answer.*the outcome is unknown/);
    assert.equal(done.length + failed.length + notStarted.length, 200);
    for (const a of notStarted) assert.equal(a.detail, "not started: the API server stopped answering");

    await startApiServer();
    restarted = true;
    const server = deletedOnServer(ns);
    // The report is the truth: everything it calls done was deleted, and nothing else was,
    // except possibly the one action whose answer never came.
    for (const name of done) assert.equal(server.get(name), 1, `${name} reported done`);
    for (const name of server.keys()) assert.ok(done.includes(name) || name === failed[0]!.target.name, `${name} deleted but not reported done`);

    const second = await runCli(["sweep", "-o", "json", "-c", config, "--kubeconfig", env.kubeconfigs.admin, "--qps", "0"], { timeoutMs: 180_000 });
    assert.equal(second.code, 0, second.stderr);
    const rest = parseReport(second.stdout);
    assert.equal(rest.actions.length, 200 - server.size);
    assert.ok(rest.actions.every((a) => a.status === "done"));
    assert.equal(rest.actions.filter((a) => done.includes(a.target.name)).length, 0, "nothing done twice");

    const total = deletedOnServer(ns);
    assert.deepEqual([...total.keys()].sort(), names);
    assert.ok([...total.values()].every((n) => n === 1), "every pod deleted exactly once");
    assert.deepEqual(await kube.pods(ns), []);
  } finally {
    if (!restarted) await startApiServer();
  }
});

test("etcd paused for 4 s mid-sweep: requests wait or are retried, every pod is deleted exactly once, exit 0", async () => {
  const ns = await freshNamespace(kube, "etcd-pause");
  const names = await pendingPods(kube, ns, 60);
  const run = runCli(["sweep", "-o", "json", "-c", sweepConfig(ns), "--kubeconfig", env.kubeconfigs.admin, "--qps", "20", "--burst", "1"], { timeoutMs: 180_000 });
  await waitFor("10 deletions", async () => deletedOnServer(ns).size >= 10, 60_000);
  await pauseEtcd(4000);
  const result = await run;
  await waitReady(30_000);
  assert.equal(result.code, 0, result.stderr);
  const report = parseReport(result.stdout);
  assert.equal(byStatus(report, "done").length + byStatus(report, "gone").length, 60);
  const server = deletedOnServer(ns);
  assert.deepEqual([...server.keys()].sort(), names);
  assert.ok([...server.values()].every((n) => n === 1));
  assert.deepEqual(await kube.pods(ns), []);
});

test("a fault proxy injecting 429 (Retry-After), 500, resets before and after the server acted, and slow answers: all retried, every pod deleted exactly once, the report says which answers were lost", async () => {
  const ns = await freshNamespace(kube, "fault-proxy");
  const names = await pendingPods(kube, ns, 40);
  const faults: Fault[] = ["429", "500", "reset-before", "reset-after", "slow"];
  const seen = new Map<string, number>();
  let lists = 0;
  const proxy = await startFaultProxy((method, path) => {
    if (method === "GET" && path === `/api/v1/namespaces/${ns}/pods`) return lists++ === 0 ? "429" : lists === 2 ? "reset-before" : undefined;
    if (method !== "DELETE" || !path.startsWith(`/api/v1/namespaces/${ns}/pods/`)) return undefined;
    const name = path.split("/").pop()!;
    const attempt = (seen.get(name) ?? 0) + 1;
    seen.set(name, attempt);
    // The first try of each of the first pods meets one fault each; later tries pass.
    const index = names.indexOf(name);
    return attempt === 1 && index < 20 ? faults[index % faults.length] : undefined;
  }, 3000);
  try {
    const result = await runCli(["sweep", "-o", "json", "-c", sweepConfig(ns), "--kubeconfig", proxy.kubeconfig, "--request-timeout", "1s", "--qps", "0"], { timeoutMs: 180_000 });
    assert.equal(result.code, 0, result.stderr);
    const report = parseReport(result.stdout);
    assert.equal(report.actions.length, 40);
    const gone = report.actions.filter((a) => a.status === "gone");
    assert.equal(byStatus(report, "done").length + gone.length, 40);
    // A reset after the server acted: the retry finds the pod gone, and the report says why.
    for (const a of gone) assert.match(a.detail, /gone on attempt 2: an earlier unanswered attempt may have deleted it/);
    const resetAfter = names.filter((_, i) => i < 20 && faults[i % faults.length] === "reset-after");
    for (const name of resetAfter) assert.ok(gone.some((a) => a.target.name === name), `${name} after a lost answer`);
    assert.ok(proxy.injected.some((f) => f.fault === "429" && f.method === "GET"));
    await new Promise((r) => setTimeout(r, 3500)); // the slow requests reach the server late
    const server = deletedOnServer(ns);
    assert.deepEqual([...server.keys()].sort(), names);
    assert.ok([...server.values()].every((n) => n === 1), `deleted twice: ${[...server].filter(([, n]) => n > 1).map(([k]) => k)}`);
    assert.deepEqual(await kube.pods(ns), []);
  } finally {
    await proxy.close();
  }
});

// The real-cluster tier for the run's lifecycle: the Lease renewed while a run lives and refused
// to a concurrent run (naming the holder, until when, and how to release it), taken over at once
// after a SIGKILL (the holder's process is gone) or when the holder's pod does not exist; an
// events.k8s.io/v1 Event for every kind of action, accepted by the v1.20 server; and a report
// piped into a reader that went away (EPIPE).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { spawnSync } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { createDeployment, freshNamespace, podState, runningPods, setPodStatus, terminatedState, useCluster, waitFor, HttpError } from "./harness.ts";
import { CLI, hasStackTrace, runCli, writeConfig } from "../helpers/cli.ts";
import { parseReport } from "../helpers/report-shape.ts";
import type { Pod } from "../../src/core/k8s.ts";

const { env, kube } = useCluster({ before, after });

const crash = { restarts: 4, ready: false, state: { waiting: { reason: "CrashLoopBackOff" } }, lastState: terminatedState(1) };

async function crashingPods(ns: string, app: string, count: number): Promise<string[]> {
  await createDeployment(kube, ns, app, count);
  const pods = (await runningPods(kube, ns, app, count)).map((p) => p.metadata!.name!);
  for (const pod of pods) await setPodStatus(kube, ns, pod, crash);
  return pods;
}

interface Lease {
  metadata: { annotations?: Record<string, string>; resourceVersion: string };
  spec: { holderIdentity?: string; leaseDurationSeconds?: number; renewTime?: string };
}

async function lease(ns: string): Promise<Lease | undefined> {
  try {
    return await kube.get<Lease>(`/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/kube-sweeper`);
  } catch (error) {
    if (error instanceof HttpError && error.code === 404) return undefined;
    throw error;
  }
}

const lockConfig = (ns: string) => writeConfig(`settings: {lock: {namespace: ${ns}}}\npolicies:\n  - {name: crash, target: pods, when: {reasons: [CrashLoopBackOff]}, action: delete}\n`);
const sweep = (config: string, ns: string, extra: string[] = [], onSpawn?: (child: ChildProcess) => void) =>
  runCli(["sweep", "-o", "json", "-c", config, "-n", ns, "--kubeconfig", env.kubeconfigs.admin, ...extra], { timeoutMs: 120_000, onSpawn });

test("the Lease is renewed while a long paced run lives; a concurrent run is refused naming the holder, until when, and how to release it; released at the end", async () => {
  const ns = await freshNamespace(kube, "renew");
  await crashingPods(ns, "slow", 3);
  const config = lockConfig(ns);
  // Two pauses of 10 s: the run outlives one renewal period (15 s of a 45 s Lease).
  const first = sweep(config, ns, ["--wait", "10s"]);
  const taken = await waitFor("the Lease held", async () => ((await lease(ns))?.spec.holderIdentity ? await lease(ns) : undefined));
  assert.equal(taken.spec.leaseDurationSeconds, 45);
  assert.ok(taken.metadata.annotations?.["kube-sweeper.io/holder-pid"], "the holder's process id is recorded");

  const second = await sweep(config, ns);
  assert.equal(second.code, 2, second.stderr);
  assert.equal(second.stdout, "");
  const refusal = second.stderr.trim().split("\n").at(-1)!;
  assert.match(refusal, new RegExp(`another sweep holds the lock \\(lease ${ns}/kube-sweeper\\): holder ${taken.spec.holderIdentity!.replace(/[.]/g, "\\.")} \\(process \\d+ on host `));
  assert.match(refusal, /held until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ unless renewed/);
  assert.match(refusal, new RegExp(`kubectl delete lease -n ${ns} kube-sweeper`));

  const renewed = await waitFor("a renewal", async () => {
    const now = await lease(ns);
    return now && now.spec.holderIdentity === taken.spec.holderIdentity && now.spec.renewTime && Date.parse(now.spec.renewTime) > Date.parse(taken.spec.renewTime!) ? now : undefined;
  }, 40_000);
  assert.ok(Date.parse(renewed.spec.renewTime!) - Date.parse(taken.spec.renewTime!) >= 10_000, "renewed about a third of the duration later");

  const done = await first;
  assert.equal(done.code, 0, done.stderr);
  assert.deepEqual(parseReport(done.stdout).actions.map((a) => a.status), ["done", "done", "done"]);
  assert.equal((await lease(ns))?.spec.holderIdentity, undefined, "released");
});

test("SIGKILL during a paced run: the next run on this host takes the Lease over at once, because the holder's process is gone", async () => {
  const ns = await freshNamespace(kube, "killed");
  const pods = await crashingPods(ns, "victims", 2);
  const config = lockConfig(ns);
  let killedAt = 0;
  let killedPid = 0;
  const killed = await sweep(config, ns, ["--wait", "60s"], (child) => {
    const poll = setInterval(async () => {
      const held = await lease(ns).catch(() => undefined);
      const gone = await Promise.all(pods.map((p) => podState(kube, ns, p))).catch(() => []);
      // Held, and the first write done: the run is in its 60 s pause.
      if (!killedAt && held?.spec.holderIdentity && gone.some((g) => g.state !== "present")) {
        clearInterval(poll);
        killedPid = child.pid!;
        killedAt = Date.now();
        child.kill("SIGKILL");
      }
    }, 200);
    child.on("close", () => clearInterval(poll));
  });
  assert.equal(killed.code, null, "killed");
  const orphan = await lease(ns);
  assert.equal(orphan?.metadata.annotations?.["kube-sweeper.io/holder-pid"], String(killedPid), "the killed run still holds the Lease");

  const next = await sweep(config, ns);
  assert.equal(next.code, 0, next.stderr);
  assert.ok(Date.now() - killedAt < 20_000, "taken over without waiting for the Lease to lapse");
  assert.match(next.stderr, new RegExp(`taking over the lock \\(lease ${ns}/kube-sweeper\\) from .*: its process ${killedPid} no longer runs on this host`));
  assert.deepEqual(parseReport(next.stdout).actions.map((a) => a.status), ["done"]);
  assert.equal((await lease(ns))?.spec.holderIdentity, undefined, "released");
});

test("a Lease held by a pod that does not exist is taken over at once; one held by a running pod is not", async () => {
  const ns = await freshNamespace(kube, "ghost");
  await crashingPods(ns, "haunted", 1);
  const config = lockConfig(ns);
  const now = new Date().toISOString().replace("Z", "000Z").replace(/\.(\d{3})000Z$/, ".$1000Z");
  const holdBy = async (pod: string) => {
    const current = await lease(ns);
    const body = {
      metadata: { name: "kube-sweeper", namespace: ns, annotations: { "kube-sweeper.io/holder-pod": `${ns}/${pod}`, "kube-sweeper.io/holder-host": pod, "kube-sweeper.io/holder-pid": "1" }, ...(current ? { resourceVersion: current.metadata.resourceVersion } : {}) },
      spec: { holderIdentity: `${ns}/${pod}`, leaseDurationSeconds: 45, acquireTime: now, renewTime: new Date().toISOString().replace("Z", "000Z").replace(/\.(\d{3})000Z$/, ".$1000Z") },
    };
    if (current) await kube.request("PUT", `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/kube-sweeper`, body);
    else await kube.create(`/apis/coordination.k8s.io/v1/namespaces/${ns}/leases`, body);
  };

  // A live holder: a running pod.
  const [live] = (await runningPods(kube, ns, "haunted", 1)).map((p) => p.metadata!.name!);
  await holdBy(live!);
  const refused = await sweep(config, ns);
  assert.equal(refused.code, 2, refused.stderr);
  assert.match(refused.stderr, new RegExp(`holder ${ns}/${live} \\(pod ${ns}/${live}\\)`));
  assert.equal((await podState(kube, ns, live!)).state, "present");

  await holdBy("kube-sweeper-28371540-gone");
  const takeover = await sweep(config, ns);
  assert.equal(takeover.code, 0, takeover.stderr);
  assert.match(takeover.stderr, new RegExp(`its pod ${ns}/kube-sweeper-28371540-gone no longer exists`));
  assert.deepEqual(parseReport(takeover.stdout).actions.map((a) => a.status), ["done"]);
});

test("Events: every kind of action (delete, evict, terminate, deleteNamespace, scaleDown, webhook) leaves an events.k8s.io/v1 Event the v1.20 server accepted", async () => {
  const pods = await freshNamespace(kube, "ev-pods");
  const [crashing] = await crashingPods(pods, "crasher", 1);
  const [oom] = await crashingPods(pods, "oomer", 1);
  await setPodStatus(kube, pods, oom!, { restarts: 1, lastState: terminatedState(137, "OOMKilled") });
  // A Job pod whose main container finished while a marked sidecar runs (exec fails: no kubelet).
  await kube.create(`/apis/batch/v1/namespaces/${pods}/jobs`, {
    metadata: { name: "report" },
    spec: {
      backoffLimit: 0,
      template: {
        spec: {
          restartPolicy: "Never",
          automountServiceAccountToken: false,
          containers: [
            { name: "app", image: "registry.invalid/report:1" },
            { name: "shipper", image: "registry.invalid/shipper:1", env: [{ name: "KRUISE_TERMINATE_SIDECAR_WHEN_JOB_EXIT", value: "true" }] },
          ],
        },
      },
    },
  });
  const jobPod = await waitFor("the Job's pod running", async () => (await kube.pods(pods)).find((p: Pod) => p.metadata?.labels?.["job-name"] === "report" && p.status?.phase === "Running"));
  const at = new Date(Date.now() - 600_000).toISOString().replace(/\.\d{3}Z$/, "Z");
  await kube.mergePatch(`/api/v1/namespaces/${pods}/pods/${jobPod.metadata!.name}/status`, {
    status: {
      phase: "Running",
      containerStatuses: [
        { name: "app", image: "registry.invalid/report:1", imageID: "", ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: "Completed", startedAt: at, finishedAt: at } } },
        { name: "shipper", image: "registry.invalid/shipper:1", imageID: "", ready: true, restartCount: 0, state: { running: { startedAt: at } } },
      ],
    },
  });
  const doomed = await freshNamespace(kube, "ev-delete");
  const parked = await freshNamespace(kube, "ev-scale");
  await createDeployment(kube, parked, "web", 1);
  const notified = await freshNamespace(kube, "ev-hook");
  const receiver = http.createServer((req, res) => {
    req.resume();
    res.writeHead(200).end();
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;
  const config = writeConfig(`
settings: {waitBetweenActions: 0}
policies:
  - {name: crash, target: pods, match: {namespaces: [${pods}]}, when: {reasons: [CrashLoopBackOff]}, action: delete}
  - {name: oom, target: pods, match: {namespaces: [${pods}]}, when: {reasons: [OOMKilled]}, action: evict}
  - {name: sidecars, target: sidecars, match: {namespaces: [${pods}]}, action: {terminate: {timeout: 5s}}}
  - {name: drop, target: namespaces, match: {namespaces: [${doomed}]}, when: {ttl: 0s}, action: deleteNamespace}
  - {name: park, target: namespaces, match: {namespaces: [${parked}]}, when: {ttl: 0s}, action: scaleDown}
  - {name: tell, target: namespaces, match: {namespaces: [${notified}]}, when: {ttl: 0s}, action: {webhook: {url: "${url}", retries: 0, timeout: 5s}}}
`);
  try {
    const result = await runCli(["sweep", "-o", "json", "-c", config, "-n", pods, "-n", doomed, "-n", parked, "-n", notified, "--kubeconfig", env.kubeconfigs.admin], { timeoutMs: 120_000 });
    const report = parseReport(result.stdout);
    const statusOf = (kind: string) => report.actions.find((a) => a.action === kind)?.status;
    assert.deepEqual(
      ["delete", "evict", "terminate", "deleteNamespace", "scaleDown", "webhook"].map((k) => [k, statusOf(k)]),
      [["delete", "done"], ["evict", "done"], ["terminate", "failed"], ["deleteNamespace", "done"], ["scaleDown", "done"], ["webhook", "done"]],
      result.stderr,
    );
    assert.doesNotMatch(result.stderr, /event not recorded/);

    type Event = { reason: string; type: string; reportingController: string; regarding: { kind: string; name: string; namespace?: string } };
    const ours = async (ns: string) => (await kube.get<{ items: Event[] }>(`/apis/events.k8s.io/v1/namespaces/${ns}/events`)).items.filter((e) => e.reportingController === "kube-sweeper.io/kube-sweeper");
    const podEvents = await ours(pods);
    const systemEvents = (await ours("kube-system")).filter((e) => [doomed, parked, notified].includes(e.regarding.name));
    const seen = [...podEvents, ...systemEvents].map((e) => `${e.regarding.kind} ${e.regarding.name} ${e.reason} ${e.type}`).sort();
    assert.deepEqual(
      seen,
      [
        `Namespace ${doomed} NamespaceDeleted Normal`,
        `Namespace ${notified} WebhookCalled Normal`,
        `Namespace ${parked} ScaledDown Normal`,
        `Pod ${crashing} SweptPod Normal`,
        `Pod ${jobPod.metadata!.name} SidecarTerminatedFailed Warning`,
        `Pod ${oom} EvictedPod Normal`,
      ].sort(),
    );
  } finally {
    receiver.close();
  }
});

test("the report piped into a reader that went away (EPIPE): no stack trace, the outcome on stderr, the run's exit code, the Lease released", async () => {
  const ns = await freshNamespace(kube, "epipe");
  const [pod] = await crashingPods(ns, "piped", 1);
  const config = lockConfig(ns);
  // `true` exits without reading: the report is written into a pipe nobody reads any more.
  const script = `"${process.execPath}" "${CLI}" sweep -o json -c "${config}" -n ${ns} --kubeconfig "${env.kubeconfigs.admin}" | true; echo "exit=\${PIPESTATUS[0]}" >&2`;
  const result = spawnSync("bash", ["-c", script], { encoding: "utf8", timeout: 120_000, env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp" } });
  assert.equal(hasStackTrace(result.stderr), false, result.stderr);
  assert.match(result.stderr, /exit=0\s*$/);
  assert.match(result.stderr, /stdout was closed \(EPIPE\).*report was not delivered; exit code 0 \(completed\)/);
  await waitFor(`${pod} gone`, async () => (await podState(kube, ns, pod!)).state === "gone");
  assert.equal((await lease(ns))?.spec.holderIdentity, undefined, "released");
});

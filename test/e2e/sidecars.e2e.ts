// The real-cluster tier for sidecars: detection and planning on real Job pods (statuses set by
// the harness), and the clear error when exec is impossible (there is no kubelet to exec into).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { freshNamespace, podState, useCluster, waitFor } from "./harness.ts";
import { runCli, writeConfig } from "../helpers/cli.ts";
import { parseReport } from "../helpers/report-shape.ts";
import type { Pod } from "../../src/core/k8s.ts";

const { env, kube } = useCluster({ before, after });

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

test("a Job pod whose main container finished while a Kruise-marked sidecar runs is planned; exec without a kubelet fails clearly and the pod stays", async () => {
  const ns = await freshNamespace(kube, "sidecar");
  await kube.create(`/apis/batch/v1/namespaces/${ns}/jobs`, {
    metadata: { name: "report" },
    spec: {
      backoffLimit: 0,
      template: {
        spec: {
          restartPolicy: "Never",
          automountServiceAccountToken: false,
          containers: [
            { name: "app", image: "registry.invalid/report:1" },
            { name: "log-shipper", image: "registry.invalid/shipper:1", env: [{ name: "KRUISE_TERMINATE_SIDECAR_WHEN_JOB_EXIT", value: "true" }] },
          ],
        },
      },
    },
  });
  const pod = await waitFor("the Job's pod running", async () => (await kube.pods(ns)).find((p: Pod) => p.status?.phase === "Running"));
  const name = pod.metadata!.name!;
  await kube.mergePatch(`/api/v1/namespaces/${ns}/pods/${name}/status`, {
    status: {
      phase: "Running",
      containerStatuses: [
        { name: "app", image: "registry.invalid/report:1", imageID: "", ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: "Completed", startedAt: iso(Date.now() - 600_000), finishedAt: iso(Date.now() - 300_000) } } },
        { name: "log-shipper", image: "registry.invalid/shipper:1", imageID: "", ready: true, restartCount: 0, state: { running: { startedAt: iso(Date.now() - 600_000) } } },
      ],
    },
  });
  const config = writeConfig(`
settings: {waitBetweenActions: 0}
policies:
  - {name: job-sidecars, target: sidecars, when: {lingeringFor: 2m}, action: {terminate: {timeout: 5s}}}
`);
  const cli = (args: string[]) => runCli([...args, "-c", config, "-n", ns, "--kubeconfig", env.kubeconfigs.admin], { timeoutMs: 60_000 });
  const plan = await cli(["plan", "-o", "json"]);
  assert.equal(plan.code, 0, plan.stderr);
  const planned = parseReport(plan.stdout).actions;
  assert.deepEqual(planned.map((a) => [a.target.name, a.action]), [[name, "terminate"]]);
  assert.ok(planned[0]!.reasons.includes("main containers done: app exited 0"));
  assert.ok(planned[0]!.reasons.some((r) => /sidecars: log-shipper \(env KRUISE_TERMINATE_SIDECAR_WHEN_JOB_EXIT=true\)/.test(r)));
  assert.ok(planned[0]!.reasons.some((r) => /lingering 5m\d*s? >= 2m/.test(r)), planned[0]!.reasons.join("; "));

  const explain = await cli(["explain", `${ns}/${name}`, "-o", "table"]);
  assert.match(explain.stdout, /policy job-sidecars \(terminate\): MATCHES/);

  const sweep = await cli(["sweep", "-o", "json"]);
  assert.equal(sweep.code, 1, sweep.stderr);
  const action = parseReport(sweep.stdout).actions[0]!;
  assert.equal(action.status, "failed");
  // No kubelet runs here, so the API server cannot reach the node: its reason is passed on.
  assert.match(action.detail, /^log-shipper: exec not possible: HTTP 500: no preferred addresses found/);
  // Never escalated to deleting the Job's pod.
  assert.equal((await podState(kube, ns, name)).state, "present");
});

// The pod list of a run whose policies name several namespaces is one list per namespace: a list
// read again from the top (410 Expired, a page cut off) must not make the run forget the pods of
// the namespaces read before it, or a namespace's "all pods succeeded" could hold without them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { startFakeApiServer } from "../fake-apiserver/server.ts";
import { buildNamespace, buildNode, buildPod, hours, waiting } from "../fixtures/builders.ts";
import { runCli, writeConfig } from "../helpers/cli.ts";
import { parseReport } from "../helpers/report-shape.ts";

const CONFIG = writeConfig(`
settings: {waitBetweenActions: 0s, lock: {enabled: false}}
policies:
  - {name: crash-looping, target: pods, match: {namespaces: [apps, preview-x]}, when: {reasons: [CrashLoopBackOff]}, action: delete}
  - {name: e2e-done, target: namespaces, match: {namespaces: [apps, preview-x]}, when: {podsSucceeded: {selector: "job-name=e2e", allowNone: true}}, action: deleteNamespace}
`);

test("a 410 in the second namespace's pod list: the first namespace's pods are not forgotten", async () => {
  const server = await startFakeApiServer({
    pods: [
      // apps: one page (no continue token), its e2e pod still running, one crash-looper.
      buildPod({ name: "e2e-runner", namespace: "apps", labels: { "job-name": "e2e" }, phase: "Running" }),
      buildPod({ name: "worker-a", namespace: "apps", restarts: 5, state: waiting("CrashLoopBackOff"), age: hours(2) }),
      // preview-x: two pages, the second asked for with a token that has expired.
      ...Array.from({ length: 600 }, (_, i) => buildPod({ name: `p-${String(i).padStart(3, "0")}`, namespace: "preview-x", labels: { "job-name": "e2e" }, phase: "Succeeded" })),
    ],
    nodes: [buildNode("node-1")],
    namespaces: [buildNamespace("apps"), buildNamespace("preview-x")],
  });
  try {
    server.expireNextContinue();
    const result = await runCli(["plan", "-o", "json", "-c", CONFIG, "--kubeconfig", server.kubeconfig()]);
    assert.equal(result.code, 0, result.stderr);
    const report = parseReport(result.stdout);
    // apps still runs its e2e pod: not planned; its crash-looper is. preview-x is all succeeded.
    const planned = report.actions.map((a) => `${a.target.kind} ${a.target.name}`).sort();
    assert.deepEqual(planned, ["Namespace preview-x", "Pod worker-a"]);
    assert.equal(report.summary.evaluated.pods, 602);
    assert.ok(server.requests.some((r) => r.path === "/api/v1/namespaces/preview-x/pods" && r.query.has("continue")), "the 410 case happened");
  } finally {
    await server.close();
  }
});

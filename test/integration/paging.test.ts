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
    const result = await runCli(["plan", "-o", "json", "-c", CONFIG, "--kubeconfig", server.kubeconfig(), "--chunk-size", "500"]);
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

// Pods come in pages of 2,000 by default (fewer round trips; a page is streamed, never held whole),
// or as --chunk-size says; a chunk size that is not a whole number from 1 to 10,000 is a usage error.
test("--chunk-size: 4,100 pods are 3 pod lists by default and 9 with --chunk-size 500; 0, 1.5, 10001 and x are refused with one line, exit 2, nothing read (with --snapshot too)", async () => {
  const server = await startFakeApiServer({
    pods: Array.from({ length: 4100 }, (_, i) => buildPod({ name: `p-${String(i).padStart(4, "0")}`, restarts: i % 100 ? 0 : 5, state: i % 100 ? undefined : waiting("CrashLoopBackOff") })),
  });
  const config = writeConfig("policies:\n  - {name: crash-looping, target: pods, when: {reasons: [CrashLoopBackOff]}, action: delete}\n");
  const podLists = () => server.requests.filter((r) => r.path === "/api/v1/pods");
  try {
    for (const [extra, lists, limit] of [[[], 3, "2000"], [["--chunk-size", "500"], 9, "500"]] as const) {
      server.requests.length = 0;
      const result = await runCli(["plan", "-o", "json", "-c", config, "--kubeconfig", server.kubeconfig(), ...extra]);
      assert.equal(result.code, 0, result.stderr);
      const report = parseReport(result.stdout);
      assert.equal(report.summary.evaluated.pods, 4100);
      assert.equal(report.actions.length, 41);
      assert.equal(podLists().length, lists);
      assert.ok(podLists().every((r) => r.query.get("limit") === limit));
    }
    for (const bad of ["0", "1.5", "10001", "x"]) {
      server.requests.length = 0;
      const result = await runCli(["plan", "-o", "json", "-c", config, "--kubeconfig", server.kubeconfig(), "--chunk-size", bad]);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /^kube-sweeper: --chunk-size: expected a (whole number from 1 to 10000|number >= 0), got "[^"]*"$/m);
      assert.equal(result.stdout, "");
      assert.equal(podLists().length, 0);
    }
    // Said with a snapshot too, where no list is read: never silently ignored.
    const snapshot = await runCli(["plan", "-o", "json", "-c", config, "--snapshot", new URL("../../examples/cluster-snapshot.json", import.meta.url).pathname, "--chunk-size", "0"]);
    assert.equal(snapshot.code, 2, snapshot.stderr);
    assert.match(snapshot.stderr, /^kube-sweeper: --chunk-size: expected a whole number from 1 to 10000, got "0"$/m);
  } finally {
    await server.close();
  }
});

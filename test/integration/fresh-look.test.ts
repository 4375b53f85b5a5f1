// A fresh look before every write: the cluster changes between the read and a paced write, and
// the sweep acts only on what still holds at the write's time. The fake API server changes the
// objects from `intercept` (mutate the state, let the request through) at a chosen request.
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { type FakeApiServer, type FakeOptions, type RecordedRequest, type Workload, withFakeApiServer } from "../fake-apiserver/server.ts";
import { buildNamespace, buildNode, buildPod, hours, uid, waiting } from "../fixtures/builders.ts";
import { runCli, writeConfig } from "../helpers/cli.ts";
import { parseReport } from "../helpers/report-shape.ts";

const podConfig = (when: string, extra = "") =>
  writeConfig(`
settings: {waitBetweenActions: 0s, lock: {enabled: false}${extra}}
policies:
  - {name: crash, target: pods, when: ${when}, action: delete}
`);

const crashing = (name: string, age: number, node = "node-1") =>
  buildPod({ name, node, restarts: 5, state: waiting("CrashLoopBackOff"), age }, (p) => (p.metadata!.ownerReferences![0]!.name = `rs-${name}`));

const withServer = (options: FakeOptions, body: (server: FakeApiServer) => Promise<void>) => withFakeApiServer({ nodes: [buildNode("node-1")], namespaces: [buildNamespace("apps")], ...options }, body);

const deletes = (s: FakeApiServer, name: string) => s.requests.filter((r) => r.method === "DELETE" && r.path.endsWith(`/${name}`));
/** Runs `change` once, when the first DELETE of a pod arrives: between the first write and the next. */
const afterFirstDelete = (change: () => void) => {
  let done = false;
  return (req: RecordedRequest) => {
    if (!done && req.method === "DELETE" && req.path.includes("/pods/")) {
      done = true;
      change();
    }
    return false;
  };
};
const sweep = (s: FakeApiServer, config: string, extra: string[] = []) => runCli(["sweep", "-o", "json", "-c", config, "--kubeconfig", s.kubeconfig(), ...extra]);

test("a pod that recovers before its turn is not deleted; the report says what no longer holds; exit 0", () => {
  let s: FakeApiServer;
  return withServer(
    {
      pods: [crashing("worker-a", hours(3)), crashing("worker-b", hours(2))],
      intercept: afterFirstDelete(() => {
        const cs = s.pods.get("apps/worker-b")!.status!.containerStatuses![0]!;
        cs.state = { running: { startedAt: new Date().toISOString() } };
      }),
    },
    async (server) => {
      s = server;
      const result = await sweep(s, podConfig("{reasons: [CrashLoopBackOff]}"));
      assert.equal(result.code, 0, result.stderr);
      const report = parseReport(result.stdout);
      assert.deepEqual(report.actions.map((a) => [a.target.name, a.status]), [["worker-a", "done"], ["worker-b", "skipped"]]);
      assert.equal(report.actions[1]!.detail, "no longer holds: no reason reported");
      assert.equal(report.summary.failed, 0);
      assert.equal(deletes(s, "worker-b").length, 0);
      assert.ok(s.pods.has("apps/worker-b"));
    },
  );
});

test("the reasons reported are the ones that held at the write's time", () => {
  let s: FakeApiServer;
  return withServer(
    {
      pods: [crashing("worker-a", hours(3)), crashing("worker-b", hours(2))],
      intercept: afterFirstDelete(() => (s.pods.get("apps/worker-b")!.status!.containerStatuses![0]!.restartCount = 9)),
    },
    async (server) => {
      s = server;
      const result = await sweep(s, podConfig("{restarts: {atLeast: 3}}"));
      assert.equal(result.code, 0, result.stderr);
      const report = parseReport(result.stdout);
      assert.deepEqual(report.actions.map((a) => [a.target.name, a.status, a.reasons]), [
        ["worker-a", "done", ["restarts 5 >= 3"]],
        ["worker-b", "done", ["restarts 9 >= 3"]],
      ]);
    },
  );
});

test("protections that hold at the write's time: a protect annotation added mid-sweep, on the pod or on its namespace, or a pod already terminating", () => {
  let s: FakeApiServer;
  return withServer(
    {
      pods: [crashing("worker-a", hours(4)), crashing("worker-b", hours(3)), crashing("worker-c", hours(2)), crashing("other-d", hours(1), "node-1")].map((p) => {
        if (p.metadata!.name === "other-d") p.metadata!.namespace = "team";
        return p;
      }),
      namespaces: [buildNamespace("apps"), buildNamespace("team")],
      intercept: afterFirstDelete(() => {
        s.pods.get("apps/worker-b")!.metadata!.annotations = { "kube-sweeper.io/protect": "true" };
        s.pods.get("apps/worker-c")!.metadata!.deletionTimestamp = new Date().toISOString();
        s.namespaces.get("team")!.metadata!.annotations = { "kube-sweeper.io/protect": "true" };
      }),
    },
    async (server) => {
      s = server;
      const result = await sweep(s, podConfig("{reasons: [CrashLoopBackOff]}"));
      assert.equal(result.code, 0, result.stderr);
      const report = parseReport(result.stdout);
      assert.deepEqual(report.actions.map((a) => [a.target.name, a.status]), [["worker-a", "done"], ["worker-b", "skipped"], ["worker-c", "skipped"], ["other-d", "skipped"]]);
      assert.equal(report.actions[1]!.detail, "protected now: annotated kube-sweeper.io/protect=true");
      assert.match(report.actions[2]!.detail, /^protected now: already terminating since /);
      assert.equal(report.actions[3]!.detail, "protected now: namespace team annotated kube-sweeper.io/protect=true");
      assert.equal(deletes(s, "worker-b").length + deletes(s, "worker-c").length + deletes(s, "other-d").length, 0);
    },
  );
});

test("a pod replaced under the same name (new uid) is a conflict and the new pod is left alone", () => {
  let s: FakeApiServer;
  return withServer(
    {
      pods: [crashing("worker-a", hours(3)), crashing("worker-b", hours(2))],
      intercept: afterFirstDelete(() => (s.pods.get("apps/worker-b")!.metadata!.uid = uid())),
    },
    async (server) => {
      s = server;
      const replacement = () => s.pods.get("apps/worker-b")?.metadata?.uid;
      const result = await sweep(s, podConfig("{reasons: [CrashLoopBackOff]}"));
      assert.equal(result.code, 0, result.stderr);
      const report = parseReport(result.stdout);
      assert.equal(report.actions[1]!.status, "conflict");
      assert.match(report.actions[1]!.detail, new RegExp(`replaced.*${replacement()}`));
      assert.equal(deletes(s, "worker-b").length, 0);
      assert.ok(replacement());
    },
  );
});

test("a pod deleted meanwhile is gone, not failed", () => {
  let s: FakeApiServer;
  return withServer(
    { pods: [crashing("worker-a", hours(3)), crashing("worker-b", hours(2))], intercept: afterFirstDelete(() => s.pods.delete("apps/worker-b")) },
    async (server) => {
      s = server;
      const result = await sweep(s, podConfig("{reasons: [CrashLoopBackOff]}"));
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(parseReport(result.stdout).actions.map((a) => a.status), ["done", "gone"]);
    },
  );
});

const nodeConfig = () => podConfig("{nodeUnhealthyFor: 10m}");
const onNode = (name: string, node: string, age: number) => buildPod({ name, node, age }, (p) => (p.metadata!.ownerReferences![0]!.name = `rs-${name}`));

test("a node that joined during the pod read is not 'gone': its healthy pod is not planned, nor deleted", () => {
  let s: FakeApiServer;
  let joined = false;
  return withServer(
    {
      pods: [onNode("web-new", "node-2", hours(1))],
      intercept: (req) => {
        // node-2 registers (and its pod is scheduled) after the node list, while pods are read.
        if (!joined && req.method === "GET" && req.path === "/api/v1/pods") {
          joined = true;
          s.nodes.set("node-2", buildNode("node-2", "True", 1000));
        }
        return false;
      },
    },
    async (server) => {
      s = server;
      const plan = await runCli(["plan", "-o", "json", "-c", nodeConfig(), "--kubeconfig", s.kubeconfig()]);
      assert.equal(plan.code, 0, plan.stderr);
      assert.deepEqual(parseReport(plan.stdout).actions, []);
      s.nodes.delete("node-2");
      joined = false;
      const result = await sweep(s, nodeConfig());
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(parseReport(result.stdout).actions, []);
      assert.ok(s.pods.has("apps/web-new"));
    },
  );
});

test("node read again before the write: a node back to Ready, or back at all, saves its pod; a node still gone (404) is confirmed", () => {
  let s: FakeApiServer;
  return withServer(
    {
      nodes: [buildNode("node-down", "False", hours(2)), buildNode("node-flaky", "Unknown", hours(2))],
      pods: [onNode("on-gone", "node-gone", hours(5)), onNode("on-down", "node-down", hours(4)), onNode("on-flaky", "node-flaky", hours(3)), onNode("on-back", "node-back", hours(2))],
      intercept: afterFirstDelete(() => {
        s.nodes.set("node-flaky", buildNode("node-flaky", "True", 1000));
        s.nodes.set("node-back", buildNode("node-back", "True", 1000));
      }),
    },
    async (server) => {
      s = server;
      const result = await sweep(s, nodeConfig());
      assert.equal(result.code, 0, result.stderr);
      const report = parseReport(result.stdout);
      assert.deepEqual(report.actions.map((a) => [a.target.name, a.status]), [["on-gone", "done"], ["on-down", "done"], ["on-flaky", "skipped"], ["on-back", "skipped"]]);
      assert.deepEqual(report.actions[0]!.reasons, ["node node-gone no longer exists"]);
      assert.match(report.actions[2]!.detail, /^no longer holds: node node-flaky is Ready/);
      assert.match(report.actions[3]!.detail, /^no longer holds: node node-back is Ready/);
      // "Gone" was confirmed by a GET of the node just before the write.
      assert.ok(s.requests.some((r) => r.method === "GET" && r.path === "/api/v1/nodes/node-gone"));
      assert.deepEqual([...s.pods.keys()].sort(), ["apps/on-back", "apps/on-flaky"]);
    },
  );
});

// --- namespaces ---

const deployment = (namespace: string, name: string, replicas: number): Workload => ({
  kind: "Deployment",
  metadata: { name, namespace, uid: uid(), labels: { app: name }, resourceVersion: "1" },
  spec: { replicas },
});

/** Deletes namespace `name` and creates it again (new uid) with new workloads, as a CI pipeline would. */
function recreate(s: FakeApiServer, name: string, workloads: Workload[]): void {
  for (const key of [...s.workloads.keys()]) if (key.includes(`/${name}/`)) s.workloads.delete(key);
  s.namespaces.set(name, buildNamespace(name));
  for (const w of workloads) s.workloads.set(`${w.kind}/${w.metadata.namespace}/${w.metadata.name}`, w);
}

const nsConfig = (action: string) =>
  writeConfig(`
settings: {waitBetweenActions: 0s, lock: {enabled: false}}
policies:
  - {name: old-previews, target: namespaces, match: {name: "^preview-"}, when: {ttl: 1h}, action: ${action}}
`);

for (const moment of ["before the fresh look", "while the workloads are listed"] as const) {
  test(`scaleDown of a namespace recreated under the same name ${moment}: conflict, the new namespace's workloads keep their replicas`, () => {
    let s: FakeApiServer;
    let recreated = false;
    const fresh = deployment("preview-1", "web", 4);
    return withServer(
      {
        namespaces: [buildNamespace("preview-1")],
        workloads: [deployment("preview-1", "web", 3)],
        intercept: (req) => {
          const trigger = moment === "before the fresh look" ? req.method === "GET" && req.path === "/api/v1/namespaces/preview-1" : req.method === "GET" && req.path === "/apis/apps/v1/namespaces/preview-1/deployments";
          if (!recreated && trigger) {
            recreated = true;
            recreate(s, "preview-1", [fresh]);
          }
          return false;
        },
      },
      async (server) => {
        s = server;
        const result = await sweep(s, nsConfig("scaleDown"));
        assert.equal(result.code, 0, result.stderr);
        const report = parseReport(result.stdout);
        assert.deepEqual(report.actions.map((a) => [a.target.name, a.status]), [["preview-1", "conflict"]]);
        assert.match(report.actions[0]!.detail, /namespace preview-1 was replaced/);
        const web = s.workloads.get("Deployment/preview-1/web")!;
        assert.equal(web.metadata.uid, fresh.metadata.uid);
        assert.equal(web.spec.replicas, 4);
        assert.equal(web.metadata.annotations?.["kube-sweeper.io/original-replicas"], undefined);
        assert.equal(s.namespaces.get("preview-1")!.metadata!.annotations?.["kube-sweeper.io/done.old-previews"], undefined);
      },
    );
  });
}

test("scaleDown of an unchanged namespace: each workload recorded and scaled, bound to its uid; the namespace marked done", () =>
  withServer({ namespaces: [buildNamespace("preview-2")], workloads: [deployment("preview-2", "web", 3), deployment("preview-2", "api", 2)] }, async (s) => {
    const result = await sweep(s, nsConfig("scaleDown"));
    assert.equal(result.code, 0, result.stderr);
    const report = parseReport(result.stdout);
    assert.deepEqual(report.actions.map((a) => [a.target.name, a.status]), [["preview-2", "done"]]);
    assert.deepEqual(report.actions[0]!.reasons, [report.actions[0]!.reasons[0]!]);
    assert.match(report.actions[0]!.reasons[0]!, /^age \S+ >= ttl 1h/);
    for (const [name, was] of [["web", "3"], ["api", "2"]] as const) {
      const w = s.workloads.get(`Deployment/preview-2/${name}`)!;
      assert.equal(w.spec.replicas, 0);
      assert.equal(w.metadata.annotations?.["kube-sweeper.io/original-replicas"], was);
    }
    // The scale patch carries the workload's uid as a JSON patch test.
    const scale = s.requests.find((r) => r.method === "PATCH" && r.path.endsWith("/deployments/web/scale"))!;
    assert.deepEqual((scale.body as { op: string; path: string }[])[0], { op: "test", path: "/metadata/uid", value: s.workloads.get("Deployment/preview-2/web")!.metadata.uid });
    assert.ok(s.namespaces.get("preview-2")!.metadata!.annotations?.["kube-sweeper.io/done.old-previews"]);
  }));

test("webhook: not called for a namespace recreated under the same name; deleteNamespace of one: conflict, the new one stays", async () => {
  let calls = 0;
  const receiver = http.createServer((req, res) => {
    calls++;
    req.resume();
    res.writeHead(204).end();
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  try {
    for (const action of [`{webhook: {url: "${url}", retries: 0}}`, "deleteNamespace"]) {
      let s: FakeApiServer;
      let recreated = false;
      await withServer(
        {
          namespaces: [buildNamespace("preview-3")],
          intercept: (req) => {
            if (!recreated && req.method === "GET" && req.path === "/api/v1/namespaces/preview-3") {
              recreated = true;
              recreate(s, "preview-3", []);
            }
            return false;
          },
        },
        async (server) => {
          s = server;
          const result = await sweep(s, nsConfig(action));
          assert.equal(result.code, 0, result.stderr);
          const report = parseReport(result.stdout);
          assert.deepEqual(report.actions.map((a) => [a.action, a.status]), [[action === "deleteNamespace" ? "deleteNamespace" : "webhook", "conflict"]]);
          assert.equal(s.namespaces.get("preview-3")!.metadata!.deletionTimestamp, undefined);
          assert.equal(s.namespaces.get("preview-3")!.metadata!.annotations?.["kube-sweeper.io/done.old-previews"], undefined);
        },
      );
    }
    assert.equal(calls, 0);
  } finally {
    receiver.close();
  }
});

test("a namespace protected or terminating by the write's time is skipped; --dry-run=server still looks again and writes nothing", () => {
  let s: FakeApiServer;
  return withServer(
    {
      namespaces: [buildNamespace("preview-4"), buildNamespace("preview-5")],
      workloads: [deployment("preview-4", "web", 3)],
      intercept: (req) => {
        if (req.method === "GET" && req.path === "/api/v1/namespaces/preview-5") s.namespaces.get("preview-5")!.metadata!.annotations = { "kube-sweeper.io/protect": "true" };
        return false;
      },
    },
    async (server) => {
      s = server;
      const dry = await sweep(s, nsConfig("scaleDown"), ["--dry-run=server"]);
      assert.equal(dry.code, 0, dry.stderr);
      assert.deepEqual(parseReport(dry.stdout).actions.map((a) => [a.target.name, a.status]), [["preview-4", "would-do"], ["preview-5", "skipped"]]);
      assert.equal(s.workloads.get("Deployment/preview-4/web")!.spec.replicas, 3);
      const result = await sweep(s, nsConfig("scaleDown"));
      assert.equal(result.code, 0, result.stderr);
      const report = parseReport(result.stdout);
      // preview-5 is protected from the start now: held back by the plan itself.
      assert.deepEqual(report.actions.map((a) => [a.target.name, a.status]), [["preview-4", "done"]]);
      assert.equal(s.workloads.get("Deployment/preview-4/web")!.spec.replicas, 0);
    },
  );
});

test("sidecars: a sidecar that stopped by its turn is skipped, no exec is sent; the other pod's sidecar is terminated", () => {
  let s: FakeApiServer;
  const jobPod = (name: string, age: number) =>
    buildPod({ name, age, owner: { kind: "Job", name: `job-${name}` } }, (p) => {
      p.spec!.restartPolicy = "Never";
      p.spec!.containers = [{ name: "app" }, { name: "istio-proxy" }];
      p.status!.containerStatuses = [
        { name: "app", state: { terminated: { exitCode: 0, reason: "Completed", finishedAt: new Date(Date.now() - hours(1)).toISOString() } } },
        { name: "istio-proxy", state: { running: { startedAt: new Date(Date.now() - hours(2)).toISOString() } } },
      ];
    });
  let stopped = false;
  return withServer(
    {
      pods: [jobPod("job-a", hours(3)), jobPod("job-b", hours(2))],
      intercept: (req) => {
        // job-b's sidecar quits by itself after the plan, just as kube-sweeper reads the pod again.
        if (!stopped && req.method === "GET" && req.path === "/api/v1/namespaces/apps/pods/job-b") {
          stopped = true;
          s.pods.get("apps/job-b")!.status!.containerStatuses![1]!.state = { terminated: { exitCode: 0, reason: "Completed", finishedAt: new Date().toISOString() } };
        }
        return false;
      },
    },
    async (server) => {
      s = server;
      const config = writeConfig(`
settings: {waitBetweenActions: 0s, lock: {enabled: false}}
policies:
  - {name: sidecars, target: sidecars, sidecars: {names: [istio-proxy]}, action: terminate}
`);
      const result = await sweep(s, config);
      assert.equal(result.code, 0, result.stderr);
      const report = parseReport(result.stdout);
      assert.deepEqual(report.actions.map((a) => [a.target.name, a.status]), [["job-a", "done"], ["job-b", "skipped"]]);
      assert.equal(report.actions[1]!.detail, "no longer holds: no sidecar is still running");
      assert.equal(s.requests.filter((r) => r.method === "CONNECT" && r.path.includes("/job-b/")).length, 0);
    },
  );
});

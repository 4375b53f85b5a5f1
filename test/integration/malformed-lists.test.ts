// A 200 answer to a list that is not a list of objects is a read error: retried like any read,
// then exit 2 with nothing acted on. Never "no objects", on the first page or on a later one.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { type FakeOptions, type RecordedRequest, withFakeApiServer, type FakeApiServer } from "../fake-apiserver/server.ts";
import { buildNamespace, buildNode, buildPod, hours, waiting } from "../fixtures/builders.ts";
import { hasStackTrace, runCli, writeConfig } from "../helpers/cli.ts";
import { parseReport } from "../helpers/report-shape.ts";

// The case: a namespace whose e2e pod still runs, and podsSucceeded with allowNone, plus
// crash-looping pods on the first page of the pod list.
const CONFIG = writeConfig(`
settings:
  waitBetweenActions: 0s
  lock: {enabled: false}
policies:
  - {name: crash-looping, target: pods, match: {namespaces: [apps, preview-x]}, when: {reasons: [CrashLoopBackOff]}, action: delete}
  - {name: e2e-done, target: namespaces, match: {name: "^preview-"}, when: {podsSucceeded: {selector: "job-name=e2e", allowNone: true}}, action: deleteNamespace}
  - {name: bad-nodes, target: pods, match: {namespaces: [apps]}, when: {nodeUnhealthyFor: 5m}, action: delete}
`);

// 500 pods in apps (the first page at limit 500), the e2e pod alone on the second.
const pods = () => [
  ...Array.from({ length: 500 }, (_, i) =>
    buildPod({ name: `worker-${String(i).padStart(3, "0")}`, ...(i < 3 ? { restarts: 5, state: waiting("CrashLoopBackOff") } : {}), age: hours(2) }, (p) => (p.metadata!.ownerReferences![0]!.name = `rs-${i}`)),
  ),
  buildPod({ name: "e2e-runner", namespace: "preview-x", labels: { "job-name": "e2e" }, phase: "Running" }),
];

const STATUS = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: "etcdserver: leader changed", reason: "InternalError", code: 500 };
const without = (body: Record<string, unknown>, key: string) => Object.fromEntries(Object.entries(body).filter(([k]) => k !== key));
type Body = Record<string, unknown> & { items: unknown[] };

// Every malformed shape from the issue, and the expected words of the one-line error.
const SHAPES: [name: string, malform: (body: Body) => unknown, expected: RegExp][] = [
  ["an empty object {}", () => ({}), /not a List/],
  ["a Status with code 200", () => STATUS, /a Status instead of a list \(etcdserver: leader changed\)/],
  ['"items": null', (b) => ({ ...b, items: null }), /its items are null, not a list/],
  ["items missing", (b) => without(b, "items"), /it has no items/],
  ["an item that is null", (b) => ({ ...b, items: [...b.items.slice(0, 2), null] }), /items\[\d+\] is null, not an object/],
  ["an item that is a number", (b) => ({ ...b, items: [5, ...b.items] }), /items\[0\] is a number, not an object/],
  ["an item that is a string", (b) => ({ ...b, items: [...b.items.slice(0, 1), "x"] }), /items\[\d+\] is a string, not an object/],
  ["an item that is a list", (b) => ({ ...b, items: [b.items.slice(0, 1)] }), /items\[0\] is a list, not an object/],
  ["kind that is not a List", (b) => ({ ...b, kind: "Pod" }), /kind "Pod" is not a List/],
  ["a top-level array", (b) => b.items, /the top level is a list/],
  ["no list metadata", (b) => without(b, "metadata"), /it has no list metadata/],
  ["items given twice", (b) => `{"kind":"PodList","apiVersion":"v1","metadata":{},"items":[],"items":${JSON.stringify(b.items)}}`, /"items" given twice/],
];

const withServer = (options: FakeOptions, body: (server: FakeApiServer) => Promise<void>) => withFakeApiServer({ pods: pods(), nodes: [buildNode("node-1")], namespaces: [buildNamespace("apps"), buildNamespace("preview-x")], ...options }, body);

const writes = (requests: RecordedRequest[]) => requests.filter((r) => r.method !== "GET" && !r.path.includes("selfsubjectaccessreviews"));
const sweep = (kubeconfig: string) => runCli(["sweep", "-o", "json", "-c", CONFIG, "--kubeconfig", kubeconfig, "--retries", "1", "--chunk-size", "500"]);

// Each case mostly waits (a retry's backoff, a child process): a few at a time.
describe("every malformed list shape, on the first page and on a later one", { concurrency: 4 }, () => {
  for (const page of [0, 1]) {
    for (const [name, malform, expected] of SHAPES) {
      test(`pod list page ${page + 1} is ${name}: retried, then exit 2 with one line, and nothing is acted on`, () =>
        withServer({ listAnswer: (l) => (l.path === "/api/v1/pods" && l.page === page ? malform(l.body as Body) : undefined) }, async (s) => {
          const result = await sweep(s.kubeconfig());
          assert.equal(result.code, 2, `${result.stderr}\n${result.stdout.slice(0, 400)}`);
          assert.deepEqual(writes(s.requests), [], "a write was sent after a malformed read");
          const lines = result.stderr.split("\n").filter((l) => l && !/retry \d of/.test(l) && !l.startsWith("using context "));
          assert.equal(lines.length, 1, result.stderr);
          assert.match(lines[0]!, /^kube-sweeper: cannot list \/api\/v1\/pods: HTTP 200 MalformedList: GET \/api\/v1\/pods\?limit=500.*: not a list: /);
          assert.match(lines[0]!, expected);
          assert.equal(hasStackTrace(result.stderr), false);
          // Retried as any read: the malformed page was asked for more than once.
          const asked = s.requests.filter((r) => r.method === "GET" && r.path === "/api/v1/pods" && (page === 0 ? !r.query.has("continue") : r.query.has("continue")));
          assert.ok(asked.length >= 2, `the page was asked for ${asked.length} time(s)`);
        }));
    }
  }
});

for (const [list, path] of [
  ["node", "/api/v1/nodes"],
  ["namespace", "/api/v1/namespaces"],
] as const) {
  test(`the ${list} list answered with a Status is a read error too: exit 2, nothing acted on`, () =>
    withServer({ listAnswer: (l) => (l.path === path ? STATUS : undefined) }, async (s) => {
      const result = await sweep(s.kubeconfig());
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, new RegExp(`kube-sweeper: cannot list ${path}: HTTP 200 MalformedList: .*a Status instead of a list`));
      assert.deepEqual(writes(s.requests), []);
    }));
}

test("a malformed later page that comes right on the retry: the list is read again from the top and the plan is whole", () => {
  let served = 0;
  return withServer(
    {
      listAnswer: (l) => {
        if (l.path !== "/api/v1/pods" || l.page !== 1 || served++ > 0) return undefined;
        return { ...l.body, items: [...(l.body.items as unknown[]), 7] };
      },
    },
    async (s) => {
      const result = await runCli(["plan", "-o", "json", "-c", CONFIG, "--kubeconfig", s.kubeconfig(), "--chunk-size", "500"]);
      assert.equal(result.code, 0, result.stderr);
      const report = parseReport(result.stdout);
      assert.equal(report.summary.evaluated.pods, 501);
      // The e2e pod still runs: the preview namespace is not planned; the three crash-loopers are.
      assert.deepEqual(report.actions.map((a) => `${a.target.kind} ${a.target.name}`).sort(), ["Pod worker-000", "Pod worker-001", "Pod worker-002"]);
    },
  );
});

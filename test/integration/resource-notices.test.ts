// notifyBefore: a Warning Event on an object before its ttl or expiry falls due (kube-janitor's
// --delete-notification), through the real CLI against the fake API server. Once only: its name
// is fixed by the object's uid and due time, so a later run gets 409 AlreadyExists.
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildNamespace, buildObject, hours, iso, minutes } from "../fixtures/builders.ts";
import { runCli, writeConfig } from "../helpers/cli.ts";
import { parseReport } from "../helpers/report-shape.ts";
import { startFakeApiServer, type FakeApiServer } from "../fake-apiserver/server.ts";

const CONFIG = `
settings: {waitBetweenActions: 0}
policies:
  - name: janitor-ttl
    target: resources
    match: {kinds: [configmaps, deployments.apps]}
    when: {ttl: forever}
    notifyBefore: 1h
    action: delete
  - name: janitor-expires
    target: resources
    match: {kinds: [deployments.apps]}
    when: {expires: true, olderThan: 1h}
    notifyBefore: 2h
    action: delete
`;

async function withServer(body: (server: FakeApiServer, now: number) => Promise<void>, forbid: { verb: "create"; resource: string }[] = []) {
  const now = Date.now();
  const at = { now };
  const server = await startFakeApiServer({
    forbid,
    namespaces: [buildNamespace("apps")],
    objects: [
      // janitor/ttl 2h, 1h30m old: due in 30m, within the hour -> a notice.
      buildObject("v1", "ConfigMap", "cm-due-soon", { ...at, age: minutes(90), annotations: { "janitor/ttl": "2h" } }),
      // Due in 1h30m: outside the hour -> nothing yet.
      buildObject("v1", "ConfigMap", "cm-due-later", { ...at, age: minutes(30), annotations: { "janitor/ttl": "2h" } }),
      // Already expired: deleted, not warned.
      buildObject("v1", "ConfigMap", "cm-expired", { ...at, age: hours(3), annotations: { "janitor/ttl": "2h" } }),
      // Due soon but protected: never deleted, so never warned.
      buildObject("v1", "ConfigMap", "cm-protected", { ...at, age: minutes(90), annotations: { "janitor/ttl": "2h", "kube-sweeper.io/protect": "true" } }),
      // expires in 1h (within 2h) and olderThan holds -> a notice from the second policy.
      buildObject("apps/v1", "Deployment", "web-expiring", { ...at, age: hours(3), annotations: { "janitor/expires": iso(now + hours(1)).replace(/\.\d+Z$/, "Z") } }),
      // expires in 1h but only 10m old: olderThan does not hold now -> no notice.
      buildObject("apps/v1", "Deployment", "web-young", { ...at, age: minutes(10), annotations: { "janitor/expires": iso(now + hours(1)).replace(/\.\d+Z$/, "Z") } }),
    ],
  });
  try {
    await body(server, now);
  } finally {
    await server.close();
  }
}

const noticeEvents = (server: FakeApiServer) => server.events.filter((e) => e.body.reason === "DeletionDue");

test("plan: a notice for each object whose ttl or expiry falls due within notifyBefore (not one due later, expired, protected, or with another condition not holding)", async () => {
  await withServer(async (server) => {
    const result = await runCli(["plan", "-o", "json", "-c", writeConfig(CONFIG), "--kubeconfig", server.kubeconfig()]);
    assert.equal(result.code, 0, result.stderr);
    const report = parseReport(result.stdout);
    assert.deepEqual(report.actions.map((a) => a.target.name), ["cm-expired"]);
    assert.deepEqual((report.notices ?? []).map((n) => [n.policy, n.target.name, n.status]).sort(), [["janitor-expires", "web-expiring", "planned"], ["janitor-ttl", "cm-due-soon", "planned"]]);
    const cm = report.notices!.find((n) => n.target.name === "cm-due-soon")!;
    assert.match(cm.reasons[0]!, /^deletion due at \S+Z \(in (29m\d+s|30m), within notifyBefore 1h\)$/);
    assert.equal(noticeEvents(server).length, 0, "a plan writes nothing");
  });
});

test("sweep: the notice is a Warning Event on the object; a second sweep does not repeat it (409 AlreadyExists: skipped, already notified)", async () => {
  await withServer(async (server) => {
    const config = writeConfig(CONFIG);
    const first = await runCli(["sweep", "-o", "json", "-c", config, "--kubeconfig", server.kubeconfig()]);
    assert.equal(first.code, 0, first.stderr);
    const report = parseReport(first.stdout);
    assert.deepEqual(report.notices!.map((n) => n.status), ["done", "done"]);
    const events = noticeEvents(server);
    assert.equal(events.length, 2);
    const cm = events.find((e) => (e.body.regarding as { name: string }).name === "cm-due-soon")!;
    assert.equal(cm.namespace, "apps");
    assert.equal(cm.body.type, "Warning");
    assert.match(String(cm.body.note), /^policy janitor-ttl: will be deleted at \S+Z or at the first sweep after it: age 1h30m\d*s? < ttl 2h \(annotation janitor\/ttl\)$/);
    assert.match(String((cm.body.metadata as { name: string }).name), /^0000[-0-9a-f]+\.due-\d+$/);

    const second = await runCli(["sweep", "-o", "json", "-c", config, "--kubeconfig", server.kubeconfig()]);
    assert.equal(second.code, 0, second.stderr);
    const again = parseReport(second.stdout);
    assert.deepEqual(again.notices!.map((n) => n.status), ["skipped", "skipped"]);
    assert.match(again.notices![0]!.detail, /^already notified: Event apps\/\S+ exists$/);
    assert.equal(noticeEvents(server).length, 2, "no second Event");
  });
});

test("sweep --dry-run=server sends each notice with dryRun=All and stores nothing; --dry-run (client) sends nothing", async () => {
  await withServer(async (server) => {
    const config = writeConfig(CONFIG);
    const server1 = await runCli(["sweep", "-o", "json", "--dry-run=server", "-c", config, "--kubeconfig", server.kubeconfig()]);
    assert.equal(server1.code, 0, server1.stderr);
    assert.deepEqual(parseReport(server1.stdout).notices!.map((n) => n.status), ["would-do", "would-do"]);
    const posts = server.requests.filter((r) => r.method === "POST" && r.path.includes("/events"));
    assert.equal(posts.length, 2);
    assert.ok(posts.every((p) => p.query.get("dryRun") === "All"));
    const client = await runCli(["sweep", "-o", "json", "--dry-run", "-c", config, "--kubeconfig", server.kubeconfig()]);
    assert.equal(client.code, 0, client.stderr);
    assert.deepEqual(parseReport(client.stdout).notices!.map((n) => n.status), ["would-do", "would-do"]);
    assert.equal(server.requests.filter((r) => r.method === "POST" && r.path.includes("/events")).length, 2, "the client dry run sent none");
    assert.equal(noticeEvents(server).length, 0);
  });
});

test("the blast-radius guard stops notices too (exit 3, nothing written)", async () => {
  await withServer(async (server) => {
    const guarded = await runCli(["sweep", "-o", "json", "-c", writeConfig(CONFIG.replace("waitBetweenActions: 0", "waitBetweenActions: 0, abortIfMoreThan: {count: 0}")), "--kubeconfig", server.kubeconfig()]);
    assert.equal(guarded.code, 3, guarded.stderr);
    assert.ok(parseReport(guarded.stdout).notices!.every((n) => n.status === "planned" && n.detail === "not started: blast-radius guard"));
    assert.equal(server.events.length, 0);
  });
});

test("without permission to create Events where a notice goes, the sweep refuses before any write (exit 2, nothing deleted)", async () => {
  await withServer(
    async (server) => {
      const before = server.objects.size;
      const result = await runCli(["sweep", "-o", "json", "-c", writeConfig(CONFIG), "--kubeconfig", server.kubeconfig()]);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /missing permission.*events/);
      assert.equal(server.objects.size, before);
      assert.equal(server.events.length, 0);
    },
    [{ verb: "create", resource: "events" }],
  );
});

test("config: notifyBefore without when.ttl or when.expires is refused with its path (exit 2)", async () => {
  const result = await runCli(["validate", "-c", writeConfig("policies:\n  - {name: p, target: resources, match: {kinds: [configmaps]}, when: {unused: true}, notifyBefore: 1h, action: delete}\n")]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /policies\[0\]\.notifyBefore: needs when\.ttl or when\.expires/);
});

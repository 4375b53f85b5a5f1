// Pipelined paging against the fake API server: the next page is asked for as soon as the
// current page's continue token has arrived, at most a bounded number of pages are open, and the
// items come out in the server's order, whole, through a 410 or a page cut off mid-body.
// Overlap and bounds are read from what the server saw (when each request came and when its
// answer was finished), never from wall time.
import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { startFakeApiServer, status, type FakeApiServer, type FakeOptions, type RecordedRequest } from "../fake-apiserver/server.ts";
import { buildPod } from "../fixtures/builders.ts";
import { apiPolicy } from "../../src/cluster/api-policy.ts";
import { jsonClient, type JsonClient } from "../../src/cluster/http.ts";
import { credentialsFor } from "../../src/cluster/kubeconfig-credentials.ts";
import { resolveConnection } from "../../src/cluster/kubeconfig.ts";
import { pagedList } from "../../src/cluster/live.ts";
import type { Pod } from "../../src/core/k8s.ts";
import { mostAtOnce } from "../helpers/in-flight.ts";

const names = (count: number) => Array.from({ length: count }, (_, i) => `p-${String(i).padStart(4, "0")}`);

async function withClient(count: number, options: FakeOptions, body: (client: JsonClient, server: FakeApiServer) => Promise<void>, timeoutMs = 20_000) {
  const server = await startFakeApiServer({ pods: names(count).map((name) => buildPod({ name })), ...options });
  const connection = resolveConnection({ kubeconfig: server.kubeconfig(), env: {} });
  const api = apiPolicy({ timeoutMs, qps: 0, burst: 1, retry: { attempts: 3, baseMs: 10, capMs: 50 } });
  const client = await jsonClient(connection, credentialsFor(connection), api);
  try {
    await body(client, server);
  } finally {
    client.close();
    await server.close();
  }
}

/** The names read, as a reader that starts over on a restart keeps them. */
async function read(client: JsonClient, limit: number, inFlight?: number): Promise<{ names: string[]; restarts: number }> {
  let out: string[] = [];
  let restarts = 0;
  for await (const page of pagedList<Pod>(client, "/api/v1/pods", limit, undefined, inFlight)) {
    if (page.restarted) {
      restarts++;
      out = [];
    }
    out.push(...page.items.map((p) => p.metadata!.name!));
  }
  return { names: out, restarts };
}

const podLists = (server: FakeApiServer) => server.requests.filter((r) => r.method === "GET" && r.path === "/api/v1/pods");

/** The most list requests the server was answering at one moment. */

/** Every list answer finished (an abandoned page's request is closed, not left open). */
async function allDone(server: FakeApiServer) {
  for (let i = 0; i < 100 && podLists(server).some((r) => r.doneAt === undefined); i++) await sleep(20);
  assert.deepEqual(
    podLists(server).filter((r) => r.doneAt === undefined).map((r) => r.query.toString()),
    [],
    "a list request was left open",
  );
}

test("13 pages come out whole and in the server's order; the server never answers more than 2 list requests at once, and did answer 2 at once", () =>
  withClient(1230, { listPaceMs: 5 }, async (client, server) => {
    const { names: got, restarts } = await read(client, 100);
    assert.equal(restarts, 0);
    assert.deepEqual(got, names(1230));
    assert.equal(podLists(server).length, 13);
    assert.equal(mostAtOnce(podLists(server)), 2);
    await allDone(server);
  }));

test("the next page is asked for while the current one still streams: with 100 ms before each answer, every page after the first arrives before the one before it is finished", () =>
  withClient(500, { delayMs: (r) => (r.path === "/api/v1/pods" ? 100 : 0), listPaceMs: 50 }, async (client, server) => {
    assert.deepEqual((await read(client, 100)).names, names(500));
    const lists = podLists(server);
    assert.equal(lists.length, 5);
    for (let page = 1; page < 5; page++) {
      const [before, it] = [lists[page - 1]!, lists[page]!];
      assert.ok(it.at < before.doneAt!, `page ${page + 1} was asked for ${it.at - before.doneAt!} ms after page ${page} was finished`);
    }
  }));

test("the bound holds for any number of pages in flight, and one page at a time is sequential", async () => {
  for (const inFlight of [1, 3]) {
    await withClient(1000, { listPaceMs: 10 }, async (client, server) => {
      assert.deepEqual((await read(client, 100, inFlight)).names, names(1000));
      const most = mostAtOnce(podLists(server));
      if (inFlight === 1) assert.equal(most, 1);
      else assert.ok(most >= 2 && most <= 3, `${most} list requests at once with ${inFlight} allowed`);
    });
  }
});

test("a reader that stops after its first batch: no more than 2 pages are asked for, and leaving closes both", () =>
  withClient(1000, { listPaceMs: 5 }, async (client, server) => {
    const pages = pagedList<Pod>(client, "/api/v1/pods", 100, undefined);
    const first = await pages.next();
    assert.equal(first.done, false);
    await sleep(300);
    assert.equal(podLists(server).length, 2);
    await pages.return(undefined);
    await allDone(server);
  }));

test("a 410 Expired on page 5 restarts the list from the top: every pod once, in order", () => {
  let expired = false;
  return withClient(
    1000,
    {
      listPaceMs: 5,
      intercept: (req, res) => {
        const token = req.query.get("continue");
        if (expired || req.path !== "/api/v1/pods" || !token || JSON.parse(Buffer.from(token, "base64").toString()).offset !== 400) return false;
        expired = true;
        status(res, 410, "Expired", "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.");
        return true;
      },
    },
    async (client, server) => {
      const { names: got, restarts } = await read(client, 100);
      assert.equal(restarts, 1);
      assert.deepEqual(got, names(1000));
      const lists = podLists(server);
      const expiredAt = lists.findIndex((r) => r.query.has("continue") && JSON.parse(Buffer.from(r.query.get("continue")!, "base64").toString()).offset === 400);
      // After the 410, the list starts again without a token.
      assert.ok(lists.slice(expiredAt + 1).some((r) => !r.query.has("continue")));
      await allDone(server);
    },
  );
});

test("page 3 cut off mid-body after its continue token and some pods: the list is read again from the top, every pod once, in order", () => {
  let cut = false;
  return withClient(
    1000,
    {
      intercept: (req, res) => {
        const token = req.query.get("continue");
        if (cut || req.path !== "/api/v1/pods" || !token || JSON.parse(Buffer.from(token, "base64").toString()).offset !== 200) return false;
        cut = true;
        const next = Buffer.from(JSON.stringify({ offset: 300 })).toString("base64");
        const some = names(1000).slice(200, 203).map((name) => JSON.stringify(buildPod({ name })));
        res.writeHead(200, { "Content-Type": "application/json" });
        res.write(`{"kind":"PodList","apiVersion":"v1","metadata":{"continue":"${next}"},"items":[${some.join(",")},{"metadata":`);
        setTimeout(() => res.socket?.destroy(), 50);
        return true;
      },
    },
    async (client, server) => {
      const { names: got, restarts } = await read(client, 100);
      assert.equal(restarts, 1);
      assert.deepEqual(got, names(1000));
      await allDone(server);
    },
  );
});

test("a page whose token read early differs from the one it ends with: the token it ends with is followed", () =>
  withClient(
    300,
    {
      listPaceMs: 5,
      listAnswer: (l) => {
        if (l.path !== "/api/v1/pods" || l.page !== 0) return undefined;
        // Two metadata keys far apart: JSON (and the end of the list) keeps the second one.
        const wrong = Buffer.from(JSON.stringify({ offset: 250 })).toString("base64");
        return `{"metadata":{"continue":"${wrong}"},"padding":"${"x".repeat(200_000)}",${JSON.stringify(l.body).slice(1)}`;
      },
    },
    async (client, server) => {
      assert.deepEqual((await read(client, 100)).names, names(300));
      // The case happened: the early token was acted on, then dropped.
      assert.ok(podLists(server).some((r) => r.query.get("continue") === Buffer.from(JSON.stringify({ offset: 250 })).toString("base64")));
      await allDone(server);
    },
  ));

test("a page read ahead waits its turn longer than the request timeout without being cut off: its idle time is not the server's", () =>
  // Each page streams for about 1.2 s (pieces 400 ms apart, each within the 1 s timeout), so the
  // page read ahead waits about that long with nothing read from it.
  withClient(
    300,
    { listPaceMs: 400 },
    async (client, server) => {
      const { names: got, restarts } = await read(client, 100);
      assert.equal(restarts, 0);
      assert.deepEqual(got, names(300));
      assert.equal(podLists(server).length, 3);
    },
    1000,
  ));

test("memory stays flat: while the reader is busy with page 1, neither page is read ahead to its end (the server is still sending both)", () => {
  // 15 MB pages, far more than the socket buffers of a loopback connection hold.
  const padding = "x".repeat(30_000);
  return withClient(1000, {}, async (client, server) => {
    for (const pod of server.pods.values()) pod.metadata!.annotations = { padding };
    const pages = pagedList<Pod>(client, "/api/v1/pods", 500, undefined);
    const first = await pages.next();
    assert.equal(first.done, false);
    await sleep(500);
    const lists = podLists(server);
    assert.equal(lists.length, 2, "the next page was asked for");
    assert.deepEqual(lists.map((r) => r.doneAt), [undefined, undefined], "a page was read to its end while the reader was busy");
    let count = first.value!.items.length;
    for await (const page of { [Symbol.asyncIterator]: () => pages }) count += page.items.length;
    assert.equal(count, 1000);
    await allDone(server);
  });
});

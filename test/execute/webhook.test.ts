// The webhook client against a real HTTP server on loopback.
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { createHmac } from "node:crypto";
import type { AddressInfo } from "node:net";
import { callWebhook, SIGNATURE_HEADER } from "../../src/execute/webhook.ts";

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

async function server(answer: (n: number, res: http.ServerResponse) => void) {
  const received: Received[] = [];
  const srv = http.createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      received.push({ headers: req.headers, body });
      answer(received.length, res);
    });
  });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}/hook`;
  return { url, received, close: () => new Promise<void>((r) => { srv.closeAllConnections(); srv.close(() => r()); }) };
}

const fast = () => 10;

test("a signed JSON POST: the receiver can verify HMAC-SHA256 over the exact body", async () => {
  const s = await server((_, res) => res.writeHead(204).end());
  try {
    const outcome = await callWebhook({ url: s.url, body: { namespace: "preview-1" }, secret: "s3cret", timeoutMs: 2000, retries: 0 });
    assert.equal(outcome.status, "done");
    const got = s.received[0]!;
    assert.equal(got.headers["content-type"], "application/json");
    const expected = `sha256=${createHmac("sha256", "s3cret").update(got.body).digest("hex")}`;
    assert.equal(got.headers[SIGNATURE_HEADER.toLowerCase()], expected);
    assert.deepEqual(JSON.parse(got.body), { namespace: "preview-1" });
  } finally {
    await s.close();
  }
});

test("without a secret there is no signature header", async () => {
  const s = await server((_, res) => res.writeHead(200).end("ok"));
  try {
    assert.equal((await callWebhook({ url: s.url, body: {}, secret: undefined, timeoutMs: 2000, retries: 0 })).status, "done");
    assert.equal(s.received[0]!.headers[SIGNATURE_HEADER.toLowerCase()], undefined);
  } finally {
    await s.close();
  }
});

test("500 then 200: retried, done after 1 retry", async () => {
  const s = await server((n, res) => res.writeHead(n === 1 ? 500 : 200).end());
  try {
    const outcome = await callWebhook({ url: s.url, body: {}, secret: undefined, timeoutMs: 2000, retries: 3, backoffMs: fast });
    assert.deepEqual(outcome, { status: "done", detail: "webhook answered 200 after 1 retries" });
    assert.equal(s.received.length, 2);
  } finally {
    await s.close();
  }
});

test("500 every time: failed after retries+1 attempts", async () => {
  const s = await server((_, res) => res.writeHead(500).end());
  try {
    const outcome = await callWebhook({ url: s.url, body: {}, secret: undefined, timeoutMs: 2000, retries: 2, backoffMs: fast });
    assert.deepEqual(outcome, { status: "failed", detail: "webhook answered 500 (after 3 attempts)" });
    assert.equal(s.received.length, 3);
  } finally {
    await s.close();
  }
});

test("a 4xx is not retried", async () => {
  const s = await server((_, res) => res.writeHead(403).end());
  try {
    const outcome = await callWebhook({ url: s.url, body: {}, secret: undefined, timeoutMs: 2000, retries: 3, backoffMs: fast });
    assert.equal(outcome.status, "failed");
    assert.equal(s.received.length, 1);
  } finally {
    await s.close();
  }
});

test("a redirect is not followed (it could carry the signed payload elsewhere)", async () => {
  const target = await server((_, res) => res.writeHead(200).end());
  const s = await server((_, res) => res.writeHead(307, { Location: target.url }).end());
  try {
    const outcome = await callWebhook({ url: s.url, body: {}, secret: "s3cret", timeoutMs: 2000, retries: 3, backoffMs: fast });
    assert.deepEqual(outcome, { status: "failed", detail: "webhook answered 307 (redirects are not followed)" });
    assert.equal(target.received.length, 0);
  } finally {
    await s.close();
    await target.close();
  }
});

test("a receiver slower than the timeout fails with the timeout named", async () => {
  const s = await server((_, res) => setTimeout(() => res.writeHead(200).end(), 1500));
  try {
    const outcome = await callWebhook({ url: s.url, body: {}, secret: undefined, timeoutMs: 200, retries: 0 });
    assert.deepEqual(outcome, { status: "failed", detail: "webhook: no answer within 200 ms (after 1 attempts)" });
  } finally {
    await s.close();
  }
});

test("nothing listening: a network error, retried, then failed", async () => {
  const s = await server((_, res) => res.end());
  const url = s.url;
  await s.close();
  const outcome = await callWebhook({ url, body: {}, secret: undefined, timeoutMs: 500, retries: 1, backoffMs: fast });
  assert.equal(outcome.status, "failed");
  assert.match(outcome.detail, /ECONNREFUSED \(after 2 attempts\)/);
});

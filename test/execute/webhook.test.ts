// The webhook client against a real HTTP server on loopback.
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { createHmac } from "node:crypto";
import type { AddressInfo } from "node:net";
import { Webhook, WebhookVerificationError } from "standardwebhooks";
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

// Standard Webhooks: verified on the receiver's side with the specification's own npm implementation.
const standardHeaders = (got: Received) => ({
  "webhook-id": String(got.headers["webhook-id"] ?? ""),
  "webhook-timestamp": String(got.headers["webhook-timestamp"] ?? ""),
  "webhook-signature": String(got.headers["webhook-signature"] ?? ""),
});
const WHSEC = `whsec_${Buffer.from("a-32-byte-secret-for-the-tests!!").toString("base64")}`;

test("Standard Webhooks: a whsec_ secret signs id.timestamp.body; the standardwebhooks receiver verifies it; the legacy header stays", async () => {
  const s = await server((_, res) => res.writeHead(204).end());
  try {
    const before = Math.floor(Date.now() / 1000);
    const outcome = await callWebhook({ url: s.url, body: { namespace: "preview-1" }, secret: WHSEC, timeoutMs: 2000, retries: 0 });
    assert.equal(outcome.status, "done", outcome.detail);
    const got = s.received[0]!;
    const headers = standardHeaders(got);
    assert.match(headers["webhook-id"], /^msg_[A-Za-z0-9_-]+$/);
    assert.ok(Math.abs(Number(headers["webhook-timestamp"]) - before) <= 5, headers["webhook-timestamp"]);
    assert.match(headers["webhook-signature"], /^v1,[A-Za-z0-9+/]+=*$/);
    assert.deepEqual(new Webhook(WHSEC).verify(got.body, headers), { namespace: "preview-1" });
    // Existing receivers keep verifying the body-only HMAC keyed with the secret as written.
    assert.equal(got.headers[SIGNATURE_HEADER.toLowerCase()], `sha256=${createHmac("sha256", WHSEC).update(got.body).digest("hex")}`);
  } finally {
    await s.close();
  }
});

test("Standard Webhooks: a secret without whsec_ is used as raw bytes (the receiver's format: raw)", async () => {
  const s = await server((_, res) => res.writeHead(200).end());
  try {
    assert.equal((await callWebhook({ url: s.url, body: { a: 1 }, secret: "s3cret", timeoutMs: 2000, retries: 0 })).status, "done");
    const got = s.received[0]!;
    assert.deepEqual(new Webhook("s3cret", { format: "raw" }).verify(got.body, standardHeaders(got)), { a: 1 });
  } finally {
    await s.close();
  }
});

test("Standard Webhooks: a captured request does not verify with another timestamp, nor once it is old", async () => {
  const s = await server((_, res) => res.writeHead(200).end());
  try {
    await callWebhook({ url: s.url, body: { a: 1 }, secret: WHSEC, timeoutMs: 2000, retries: 0 });
    const got = s.received[0]!;
    const headers = standardHeaders(got);
    const receiver = new Webhook(WHSEC);
    // Replayed later with a fresh timestamp: the signature covers the timestamp.
    assert.throws(() => receiver.verify(got.body, { ...headers, "webhook-timestamp": String(Number(headers["webhook-timestamp"]) + 60) }), WebhookVerificationError);
    // Replayed under another delivery id: the signature covers the id.
    assert.throws(() => receiver.verify(got.body, { ...headers, "webhook-id": "msg_other" }), WebhookVerificationError);
    // The old timestamp itself is refused after the receiver's tolerance (5 minutes).
    const realNow = Date.now;
    Date.now = () => realNow() + 6 * 60_000;
    try {
      assert.throws(() => receiver.verify(got.body, headers), /too old/);
    } finally {
      Date.now = realNow;
    }
  } finally {
    await s.close();
  }
});

test("Standard Webhooks: retries carry the same webhook-id (duplicates can be dropped), each attempt freshly signed; another delivery gets another id", async () => {
  const s = await server((n, res) => res.writeHead(n < 3 ? 503 : 200).end());
  try {
    const outcome = await callWebhook({ url: s.url, body: { a: 1 }, secret: WHSEC, timeoutMs: 2000, retries: 3, backoffMs: fast });
    assert.equal(outcome.status, "done", outcome.detail);
    assert.equal(s.received.length, 3);
    const ids = new Set(s.received.map((r) => r.headers["webhook-id"]));
    assert.equal(ids.size, 1, `ids: ${[...ids].join(", ")}`);
    for (const got of s.received) new Webhook(WHSEC).verify(got.body, standardHeaders(got));
    await callWebhook({ url: s.url, body: { a: 1 }, secret: WHSEC, timeoutMs: 2000, retries: 0 });
    assert.notEqual(s.received[3]!.headers["webhook-id"], s.received[0]!.headers["webhook-id"]);
  } finally {
    await s.close();
  }
});

test("Standard Webhooks: a receiver slower than the timeout gets the retry with the same webhook-id", async () => {
  // The first answer comes after the timeout: it was received, yet the sender cannot know.
  const s = await server((n, res) => (n === 1 ? setTimeout(() => res.writeHead(200).end(), 600) : res.writeHead(200).end()));
  try {
    const outcome = await callWebhook({ url: s.url, body: { a: 1 }, secret: WHSEC, timeoutMs: 200, retries: 2, backoffMs: fast });
    assert.equal(outcome.status, "done", outcome.detail);
    assert.equal(s.received.length, 2);
    assert.match(String(s.received[0]!.headers["webhook-id"]), /^msg_/);
    assert.equal(s.received[0]!.headers["webhook-id"], s.received[1]!.headers["webhook-id"]);
  } finally {
    await s.close();
  }
});

test("a whsec_ secret that is not base64 fails the call without sending it", async () => {
  const s = await server((_, res) => res.writeHead(200).end());
  try {
    const outcome = await callWebhook({ url: s.url, body: {}, secret: "whsec_not base64!", timeoutMs: 2000, retries: 0 });
    assert.equal(outcome.status, "failed");
    assert.match(outcome.detail, /whsec_ secret is not valid base64/);
    assert.doesNotMatch(outcome.detail, /not base64!/);
    assert.equal(s.received.length, 0);
  } finally {
    await s.close();
  }
});

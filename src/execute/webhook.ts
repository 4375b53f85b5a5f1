// The webhook action: a JSON POST, signed when a secret is configured, success only on 2xx.
// Retries 5xx and network errors with backoff; never follows redirects (a redirect could carry
// the signature or the payload to another host).
//
// Signing follows Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature
// "v1,<base64 HMAC-SHA256 of id.timestamp.body>"), so a captured request cannot be replayed
// later or under another id; X-Kube-Sweeper-Signature (HMAC of the body alone) stays for
// receivers written before. One delivery keeps its id across retries, including after a timeout:
// the receiver may have got a request whose answer was late, and drops the repeat by its id.
import { createHmac, randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { Outcome } from "../cluster/pod-writer.ts";

export const SIGNATURE_HEADER = "X-Kube-Sweeper-Signature";
const WHSEC_PREFIX = "whsec_";

export const WEBHOOK_NOT_DRY_RUN = "server dry run: a webhook cannot be dry-run, so it was not called";

export interface WebhookCall {
  url: string;
  body: unknown;
  secret: string | undefined;
  timeoutMs: number;
  retries: number;
  /** Backoff before retry n (1-based); overridable so tests need not wait. */
  backoffMs?: (attempt: number) => number;
  /** The run's cancellation: ends the attempt in flight and any backoff. */
  signal?: AbortSignal | undefined;
}

/** A webhook as configured: its secret is the value of an environment variable, when named. */
export interface WebhookSpec {
  url: string;
  secretEnv?: string | undefined;
  timeout: number;
  retries: number;
}

/** Calls a configured webhook. A named secret that is not set fails the call: never send unsigned what the receiver expects signed. */
export function callConfiguredWebhook(spec: WebhookSpec, body: unknown, env: NodeJS.ProcessEnv, backoffMs?: (attempt: number) => number, signal?: AbortSignal): Promise<Outcome> {
  const secret = spec.secretEnv === undefined ? undefined : env[spec.secretEnv];
  if (spec.secretEnv !== undefined && !secret) return Promise.resolve({ status: "failed", detail: `webhook secret env ${spec.secretEnv} is not set` });
  return callWebhook({ url: spec.url, body, secret, timeoutMs: spec.timeout, retries: spec.retries, backoffMs, signal });
}

export function signature(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/** The Standard Webhooks key: a whsec_ secret is base64 after its prefix; any other is its own bytes. */
function standardKey(secret: string): Buffer | undefined {
  if (!secret.startsWith(WHSEC_PREFIX)) return Buffer.from(secret, "utf8");
  const encoded = secret.slice(WHSEC_PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 !== 0) return undefined;
  return Buffer.from(encoded, "base64");
}

/** The Standard Webhooks headers for one attempt: signed over id, this attempt's time and the body. */
function standardHeaders(key: Buffer, id: string, body: string): Record<string, string> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const mac = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64");
  return { "webhook-id": id, "webhook-timestamp": timestamp, "webhook-signature": `v1,${mac}` };
}

export async function callWebhook(call: WebhookCall): Promise<Outcome> {
  const text = JSON.stringify(call.body);
  const headers: Record<string, string> = { "Content-Type": "application/json", "User-Agent": "kube-sweeper" };
  // No dots: the id is part of the signed "id.timestamp.body".
  const id = `msg_${randomBytes(16).toString("base64url")}`;
  const key = call.secret === undefined ? undefined : standardKey(call.secret);
  if (call.secret !== undefined) {
    if (!key) return { status: "failed", detail: "webhook secret: a whsec_ secret is not valid base64 after its prefix; nothing was sent" };
    headers[SIGNATURE_HEADER] = signature(call.secret, text);
  }
  const backoff = call.backoffMs ?? ((n: number) => Math.min(8000, 500 * 2 ** (n - 1)));
  let last = "";
  const interrupted = (attempt: number) => ({
    status: "failed" as const,
    detail: `interrupted (${String(call.signal!.reason)}) ${attempt > 0 ? `after ${attempt} attempts` : "during the first attempt"}${last ? `; last: ${last}` : ""}; the receiver may have got it`,
  });
  for (let attempt = 0; attempt <= call.retries; attempt++) {
    if (attempt > 0) {
      try {
        await sleep(backoff(attempt), undefined, { signal: call.signal });
      } catch {
        return interrupted(attempt);
      }
    }
    if (call.signal?.aborted) return interrupted(attempt);
    const timeout = AbortSignal.timeout(call.timeoutMs);
    try {
      const signed = key ? { ...headers, ...standardHeaders(key, id, text) } : { ...headers, "webhook-id": id };
      const res = await fetch(call.url, { method: "POST", headers: signed, body: text, redirect: "manual", signal: call.signal ? AbortSignal.any([timeout, call.signal]) : timeout });
      await res.arrayBuffer().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) return { status: "done", detail: `webhook answered ${res.status}${attempt ? ` after ${attempt} retries` : ""}` };
      last = `webhook answered ${res.status}`;
      // A client error or a redirect will not change on retry.
      if (res.status < 500 && res.status !== 429) return { status: "failed", detail: res.status >= 300 && res.status < 400 ? `${last} (redirects are not followed)` : last };
    } catch (error) {
      if (call.signal?.aborted) return interrupted(attempt + 1);
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      last = (error as Error).name === "TimeoutError" ? `webhook: no answer within ${call.timeoutMs} ms` : `webhook: ${cause ?? (error as Error).message}`;
    }
  }
  return { status: "failed", detail: `${last} (after ${call.retries + 1} attempts)` };
}

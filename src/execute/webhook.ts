// The webhook action: a JSON POST, signed when a secret is configured, success only on 2xx.
// Retries 5xx and network errors with backoff; never follows redirects (a redirect could carry
// the signature or the payload to another host).
import { createHmac } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { Outcome } from "../cluster/pod-writer.ts";

export const SIGNATURE_HEADER = "X-Kube-Sweeper-Signature";

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

export async function callWebhook(call: WebhookCall): Promise<Outcome> {
  const text = JSON.stringify(call.body);
  const headers: Record<string, string> = { "Content-Type": "application/json", "User-Agent": "kube-sweeper" };
  if (call.secret !== undefined) headers[SIGNATURE_HEADER] = signature(call.secret, text);
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
      const res = await fetch(call.url, { method: "POST", headers, body: text, redirect: "manual", signal: call.signal ? AbortSignal.any([timeout, call.signal]) : timeout });
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

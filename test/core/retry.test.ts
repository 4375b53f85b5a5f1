import { test } from "node:test";
import assert from "node:assert/strict";
import { backoffMs, parseRetryAfter, withRetries, type RetryPolicy } from "../../src/core/retry.ts";
import { tokenBucket } from "../../src/core/rate-limit.ts";
import { ApiError, transient } from "../../src/cluster/api-error.ts";

const policy: RetryPolicy = { attempts: 4, baseMs: 100, capMs: 1000 };

test("backoff doubles from the base, stays within [half, whole] of the step, and is capped", () => {
  assert.equal(backoffMs(policy, 1, () => 0), 50);
  assert.equal(backoffMs(policy, 1, () => 1), 100);
  assert.equal(backoffMs(policy, 3, () => 0), 200);
  assert.equal(backoffMs(policy, 3, () => 1), 400);
  assert.equal(backoffMs(policy, 10, () => 1), 1000);
  assert.equal(backoffMs(policy, 10, () => 0), 500);
});

test("Retry-After: delta-seconds, an HTTP date, or nothing usable", () => {
  assert.equal(parseRetryAfter("3"), 3000);
  assert.equal(parseRetryAfter(" 0 "), 0);
  const now = Date.parse("2026-11-21T10:00:00Z");
  assert.equal(parseRetryAfter("Sat, 21 Nov 2026 10:00:05 GMT", now), 5000);
  assert.equal(parseRetryAfter("Sat, 21 Nov 2026 09:00:00 GMT", now), 0);
  assert.equal(parseRetryAfter("soon"), undefined);
  assert.equal(parseRetryAfter(undefined), undefined);
});

function recorder() {
  const waits: number[] = [];
  return { waits, wait: async (ms: number) => void waits.push(ms) };
}

test("withRetries: a transient failure is retried until it passes, with growing waits", async () => {
  const { waits, wait } = recorder();
  let calls = 0;
  const result = await withRetries(
    async () => {
      calls++;
      if (calls < 3) throw new ApiError(503, "ServiceUnavailable", "etcd leader changed");
      return "ok";
    },
    transient,
    policy,
    { wait, random: () => 1 },
  );
  assert.equal(result, "ok");
  assert.equal(calls, 3);
  assert.deepEqual(waits, [100, 200]);
});

test("withRetries: gives up after the attempts and throws the last failure", async () => {
  const { waits, wait } = recorder();
  let calls = 0;
  await assert.rejects(
    withRetries(async () => {
      calls++;
      throw new ApiError(0, "NetworkError", `ECONNREFUSED ${calls}`);
    }, transient, policy, { wait }),
    /ECONNREFUSED 4/,
  );
  assert.equal(calls, 4);
  assert.equal(waits.length, 3);
});

test("withRetries: a permanent failure (404, 409, 403) is thrown at once", async () => {
  for (const code of [400, 403, 404, 409, 422]) {
    let calls = 0;
    await assert.rejects(withRetries(async () => {
      calls++;
      throw new ApiError(code, "", "no");
    }, transient, policy, { wait: async () => {} }));
    assert.equal(calls, 1, `HTTP ${code}`);
  }
});

test("withRetries: the server's Retry-After beats a shorter backoff", async () => {
  const { waits, wait } = recorder();
  let calls = 0;
  await withRetries(async () => {
    if (calls++ === 0) throw new ApiError(429, "TooManyRequests", "slow down", [], 2000);
    return 1;
  }, transient, policy, { wait, random: () => 0 });
  assert.deepEqual(waits, [2000]);
});

test("withRetries: no wait runs past the deadline; the failure is thrown instead", async () => {
  const { waits, wait } = recorder();
  let calls = 0;
  await assert.rejects(
    withRetries(async () => {
      calls++;
      throw new ApiError(500, "InternalError", "boom");
    }, transient, policy, { wait, clock: () => 1000, deadlineAt: 1050, random: () => 1 }),
    /boom/,
  );
  assert.equal(calls, 1);
  assert.deepEqual(waits, []);
});

test("withRetries: an interruption ends the wait and the last failure stands", async () => {
  const abort = new AbortController();
  let calls = 0;
  const started = Date.now();
  const pending = withRetries(async () => {
    calls++;
    throw new ApiError(503, "", "unavailable");
  }, transient, { attempts: 5, baseMs: 60_000, capMs: 60_000 }, { signal: abort.signal });
  setTimeout(() => abort.abort("SIGTERM"), 50);
  await assert.rejects(pending, /unavailable/);
  assert.equal(calls, 1);
  assert.ok(Date.now() - started < 10_000);
});

test("transient: overload, server errors and no answer are; a disruption budget, a bad certificate and client errors are not", () => {
  assert.equal(transient(new ApiError(429, "TooManyRequests", "the server has received too many requests")).retryable, true);
  assert.equal(transient(new ApiError(429, "TooManyRequests", "Cannot evict pod as it would violate the pod's disruption budget.", ["DisruptionBudget"])).retryable, false);
  assert.equal(transient(new ApiError(500, "InternalError", "x")).retryable, true);
  assert.equal(transient(new ApiError(503, "ServiceUnavailable", "x")).retryable, true);
  assert.equal(transient(new ApiError(501, "NotImplemented", "x")).retryable, false);
  assert.equal(transient(new ApiError(0, "NetworkError", "fetch failed: ECONNRESET socket hang up")).retryable, true);
  assert.equal(transient(new ApiError(0, "NetworkError", "fetch failed: DEPTH_ZERO_SELF_SIGNED_CERT self-signed certificate")).retryable, false);
  assert.equal(transient(new ApiError(404, "NotFound", "x")).retryable, false);
});

test("token bucket: a burst passes at once, then requests are spaced at 1/qps", async () => {
  const limiter = tokenBucket(20, 2);
  const started = performance.now();
  const times: number[] = [];
  for (let i = 0; i < 6; i++) {
    await limiter.take();
    times.push(performance.now() - started);
  }
  assert.ok(times[1]! < 40, `burst of 2 passes at once: ${times}`);
  // 4 more at 20/s need at least 200 ms (less a little timer slack).
  assert.ok(times[5]! >= 180, `spaced by qps: ${times}`);
});

test("a Retry-After longer than the cap is said in a log line, with what is waited instead", async () => {
  const { apiPolicy } = await import("../../src/cluster/api-policy.ts");
  const lines: string[] = [];
  const log = { warn: (line: string) => lines.push(line), info: () => {}, debug: () => {}, error: () => {} };
  // cap 10 ms: the longest wait is 4 x cap = 40 ms, so the test does not wait an hour.
  const api = apiPolicy({ timeoutMs: 1000, qps: 0, burst: 1, retry: { attempts: 2, baseMs: 1, capMs: 10 } }, log as never);
  let calls = 0;
  const value = await api.retrying("GET /api/v1/pods", async () => {
    if (++calls === 1) throw new ApiError(429, "TooManyRequests", "slow down", [], 3_600_000);
    return "ok";
  });
  assert.equal(value, "ok");
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /Retry-After 3600s.*longer than the 40ms cap/);
});

// How every API request is made: a timeout each, a client-side QPS/burst limit, and retries for
// the requests that are safe to repeat (reads, and writes carrying a uid precondition or
// setting an absolute value). The run's deadline and SIGTERM bound every retry wait.
import type { Logger } from "../core/log.ts";
import { tokenBucket, type RateLimiter } from "../core/rate-limit.ts";
import { retryAfterCapMs, withRetries, type RetryPolicy } from "../core/retry.ts";
import { ApiError, toApiError, transient } from "./api-error.ts";

export interface ApiSettings {
  timeoutMs: number;
  /** Requests per second; 0 = no limit. */
  qps: number;
  burst: number;
  retry: RetryPolicy;
}

export const DEFAULT_QPS = 50;
export const DEFAULT_BURST = 100;
/**
 * Pods per page of a pod list (--chunk-size). Pages are streamed item by item, so a larger page
 * costs no memory here; what it saves is round trips, which a 50 ms away cluster charges per page.
 */
export const DEFAULT_CHUNK_SIZE = 2000;
/** The API server builds each page in its memory: pages stay of a size it serves without strain. */
export const MAX_CHUNK_SIZE = 10_000;

export interface ApiPolicy {
  readonly timeoutMs: number;
  readonly limiter: RateLimiter;
  /** Calls (each attempt already throttled by its transport) and retries transient failures. */
  retrying<T>(what: string, call: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** From now on no retry waits past deadlineAt, and an interruption ends any wait and request. */
  bound(deadlineAt: number | undefined, signal: AbortSignal | undefined): void;
  /** The run's cancellation (SIGTERM, SIGINT, --deadline, a lost lock), once bound. */
  readonly signal: AbortSignal | undefined;
  /** What one request may take: the request timeout, cut short by the run's cancellation. */
  requestSignal(timeoutMs?: number): AbortSignal;
  /** The same limits without the run's cancellation: for releasing the lock after an interruption. */
  detached(): ApiPolicy;
  /** The one connection pool of the run's client calls (see client-options.ts). */
  connections: { pool?: unknown };
}

export function apiPolicy(settings: ApiSettings, log?: Logger, shared?: { limiter: RateLimiter; connections: { pool?: unknown } }): ApiPolicy {
  const limiter = shared?.limiter ?? tokenBucket(settings.qps, settings.burst);
  const connections = shared?.connections ?? {};
  let deadlineAt: number | undefined;
  let signal: AbortSignal | undefined;
  return {
    connections,
    timeoutMs: settings.timeoutMs,
    limiter,
    get signal() {
      return signal;
    },
    requestSignal(timeoutMs = settings.timeoutMs) {
      const timeout = AbortSignal.timeout(timeoutMs);
      return signal ? AbortSignal.any([timeout, signal]) : timeout;
    },
    detached: () => apiPolicy(settings, log, { limiter, connections }),
    async retrying(what, call, own) {
      let attempts = 0;
      // A request no longer wanted (a prefetched page of a list read again) stops waiting too.
      const stop = own && signal ? AbortSignal.any([own, signal]) : (own ?? signal);
      try {
        return await withRetries(
          () => {
            attempts++;
            return call();
          },
          transient,
          settings.retry,
          { deadlineAt, signal: stop },
          (error, retry, delay, asked) =>
            log?.warn(
              `${what}: ${describe(error)}; retry ${retry} of ${settings.retry.attempts - 1} in ${delay} ms${
                // Said, not silently shortened: the server asked for longer than a run waits.
                asked !== undefined ? ` (the server's Retry-After ${Math.round(asked / 1000)}s is longer than the ${retryAfterCapMs(settings.retry)}ms cap)` : ""
              }`,
            ),
        );
      } catch (error) {
        if (attempts <= 1) throw error;
        const e = toApiError(error);
        throw new ApiError(e.code, e.reason, e.message, e.causes, e.retryAfterMs, attempts);
      }
    },
    bound(at, abort) {
      deadlineAt = at;
      signal = abort;
    },
  };
}

function describe(error: unknown): string {
  const e = toApiError(error);
  return e.code === 0 ? `no answer (${e.message})` : `HTTP ${e.code}${e.reason ? ` ${e.reason}` : ""}`;
}

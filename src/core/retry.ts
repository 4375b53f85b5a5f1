// Retrying transient failures: capped exponential backoff with jitter, a server's Retry-After
// honoured, and never a wait that ends past the run's deadline or outlives an interruption.
import { setTimeout as sleep } from "node:timers/promises";

export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  baseMs: number;
  capMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseMs: 300, capMs: 8_000 };

export interface RetryBudget {
  /** Epoch ms after which no retry is started (the run's --deadline). */
  deadlineAt?: number;
  /** Ends a backoff wait at once (SIGTERM/SIGINT): the last failure stands. */
  signal?: AbortSignal;
  clock?: () => number;
  random?: () => number;
  wait?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface Transient {
  /** Should this failure be tried again at all? */
  retryable: boolean;
  /** The server's Retry-After, when it gave one. */
  retryAfterMs?: number;
}

/** Backoff before retry n (1-based): half fixed, half random, so that clients spread out. */
export function backoffMs(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** (retry - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** Retry-After: delta-seconds or an HTTP date (RFC 9110 10.2.3). */
export function parseRetryAfter(value: string | undefined | null, now: number = Date.now()): number | undefined {
  if (value === undefined || value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The longest wait a server's Retry-After gets: a one-shot run does not sleep for an hour. */
export const retryAfterCapMs = (policy: RetryPolicy): number => policy.capMs * 4;

/** Called before each retry; `askedMs` is the server's Retry-After when it asked for more than the wait. */
export type OnRetry = (error: unknown, retry: number, delayMs: number, askedMs: number | undefined) => void;

export async function withRetries<T>(call: (attempt: number) => Promise<T>, classify: (error: unknown) => Transient, policy: RetryPolicy, budget: RetryBudget = {}, onRetry?: OnRetry): Promise<T> {
  const clock = budget.clock ?? Date.now;
  const wait = budget.wait ?? ((ms: number, signal?: AbortSignal) => sleep(ms, undefined, { signal }));
  for (let attempt = 1; ; attempt++) {
    try {
      return await call(attempt);
    } catch (error) {
      const { retryable, retryAfterMs } = classify(error);
      if (!retryable || attempt >= policy.attempts || budget.signal?.aborted) throw error;
      // A server asking for a longer pause than the backoff gets it, within the cap's reach.
      const delay = Math.max(backoffMs(policy, attempt, budget.random), Math.min(retryAfterMs ?? 0, retryAfterCapMs(policy)));
      if (budget.deadlineAt !== undefined && clock() + delay >= budget.deadlineAt) throw error;
      onRetry?.(error, attempt, delay, retryAfterMs !== undefined && retryAfterMs > delay ? retryAfterMs : undefined);
      try {
        await wait(delay, budget.signal);
      } catch {
        throw error;
      }
    }
  }
}

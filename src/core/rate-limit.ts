// Client-side QPS/burst, as client-go does it: a token bucket every request waits on.
import { setTimeout as sleep } from "node:timers/promises";

export interface RateLimiter {
  take(): Promise<void>;
}

export const UNLIMITED: RateLimiter = { take: async () => {} };

/** qps <= 0 means no limit. */
export function tokenBucket(qps: number, burst: number, clock: () => number = () => performance.now()): RateLimiter {
  if (!(qps > 0)) return UNLIMITED;
  const capacity = Math.max(1, burst);
  let tokens = capacity;
  let last = clock();
  // Waiters are served in order: each reserves its token before sleeping.
  return {
    async take() {
      const now = clock();
      tokens = Math.min(capacity, tokens + ((now - last) * qps) / 1000);
      last = now;
      tokens -= 1;
      if (tokens >= 0) return;
      await sleep((-tokens * 1000) / qps);
    },
  };
}

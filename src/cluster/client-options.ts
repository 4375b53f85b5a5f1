// Per-call options for @kubernetes/client-node: the rate limit, a timeout (the client has none
// of its own) and, for patches, the content type (the client defaults to JSON Patch, which
// rejects a merge patch). The client's middleware speaks its own Observable stub, not promises.
import type { Observable as ObservableType } from "@kubernetes/client-node";
import type { ApiPolicy } from "./api-policy.ts";

interface RequestContextLike {
  setSignal(signal: AbortSignal): void;
  setHeaderParam(name: string, value: string): void;
}

export function callOptions(Observable: typeof ObservableType, api: ApiPolicy, contentType?: string) {
  return {
    middleware: [
      {
        pre: (ctx: RequestContextLike) => {
          if (contentType) ctx.setHeaderParam("Content-Type", contentType);
          // The timeout starts once the limiter lets the request go.
          const ready = api.limiter.take().then(() => {
            ctx.setSignal(AbortSignal.timeout(api.timeoutMs));
            return ctx;
          });
          return new Observable(ready);
        },
        post: <R>(res: R) => new Observable(Promise.resolve(res)),
      },
    ],
    middlewareMergeStrategy: "append" as const,
  } as never;
}

export const MERGE_PATCH = "application/merge-patch+json";

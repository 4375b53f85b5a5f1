// Per-call options for @kubernetes/client-node: the rate limit, one connection pool per run, a
// timeout (the client has none of its own) and, for patches, the content type (the client
// defaults to JSON Patch, which rejects a merge patch). The client's middleware speaks its own
// Observable stub, not promises.
import type { Observable as ObservableType } from "@kubernetes/client-node";
import type { ApiPolicy } from "./api-policy.ts";

interface RequestContextLike {
  setSignal(signal: AbortSignal): void;
  setHeaderParam(name: string, value: string): void;
  getDispatcher(): unknown;
  setDispatcher(dispatcher: never): void;
}

export function callOptions(Observable: typeof ObservableType, api: ApiPolicy, contentType?: string) {
  return {
    middleware: [
      {
        pre: (ctx: RequestContextLike) => {
          if (contentType) ctx.setHeaderParam("Content-Type", contentType);
          // The client gives every request a new connection pool, so every write paid a TCP and
          // TLS handshake (64 deletions/s at most here). The kubeconfig is the same for the whole
          // run, so its first pool serves them all; the unused new ones never open a socket.
          const own = ctx.getDispatcher();
          if (own) {
            api.connections.pool ??= own;
            ctx.setDispatcher(api.connections.pool as never);
          }
          // The timeout starts once the limiter lets the request go; the run's cancellation ends it too.
          const ready = api.limiter.take().then(() => {
            ctx.setSignal(api.requestSignal(api.timeoutMs));
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

// Per-call options for @kubernetes/client-node: a timeout (the client has none of its own) and,
// for patches, the content type (the client defaults to JSON Patch, which rejects a merge patch).
// The client's middleware speaks its own Observable stub, not promises.
import type { Observable as ObservableType } from "@kubernetes/client-node";

interface RequestContextLike {
  setSignal(signal: AbortSignal): void;
  setHeaderParam(name: string, value: string): void;
}

export function callOptions(Observable: typeof ObservableType, timeoutMs: number, contentType?: string) {
  return {
    middleware: [
      {
        pre: (ctx: RequestContextLike) => {
          ctx.setSignal(AbortSignal.timeout(timeoutMs));
          if (contentType) ctx.setHeaderParam("Content-Type", contentType);
          return new Observable(Promise.resolve(ctx));
        },
        post: <R>(res: R) => new Observable(Promise.resolve(res)),
      },
    ],
    middlewareMergeStrategy: "append" as const,
  } as never;
}

export const MERGE_PATCH = "application/merge-patch+json";

// How many of some requests the fake API server was answering at one moment, from its own record
// of when each came and when its answer finished.
import type { RecordedRequest } from "../fake-apiserver/server.ts";

export function mostAtOnce(requests: RecordedRequest[]): number {
  const edges = requests.flatMap((r) => [
    [r.at, 1],
    [r.doneAt ?? Infinity, -1],
  ]);
  // An answer finished in the same millisecond as the next request came counts as before it.
  edges.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
  let open = 0;
  let most = 0;
  for (const [, step] of edges) most = Math.max(most, (open += step!));
  return most;
}

// Single GETs of the objects a write depends on, made just before the write: the view read at the
// start of the run may be minutes old in a paced sweep. 404 is an answer ("not there"), not an error.
import type { KubeObject, Namespace, Node, Pod } from "../core/k8s.ts";
import { ApiError } from "./api-error.ts";
import type { ExpectedObject, JsonClient } from "./http.ts";
import { listAll } from "./live.ts";

export interface FreshReader {
  pod(namespace: string, name: string): Promise<Pod | undefined>;
  node(name: string): Promise<Node | undefined>;
  namespace(name: string): Promise<Namespace | undefined>;
  /** Every pod of one namespace (a quorum read), for conditions that count pods. */
  podsIn(namespace: string): Promise<Pod[]>;
  /** Any object by its API path (resource targets); it must be the object asked for, as for pods. */
  object(path: string, expect: ExpectedObject): Promise<KubeObject | undefined>;
}

const segment = encodeURIComponent;

/** Throws ApiError for anything but 200 and 404, and for a 200 that is not the object asked for. */
export async function getIfExists<T>(client: JsonClient, path: string, expect?: ExpectedObject): Promise<T | undefined> {
  try {
    return await client.getJson<T>(path, expect);
  } catch (error) {
    if (error instanceof ApiError && error.code === 404) return undefined;
    throw error;
  }
}

/**
 * Concurrent writers often need the same node or namespace (32 workers deleting pods of one
 * namespace). A read already in flight is joined rather than repeated: it was sent after the plan
 * and answers at most one round trip earlier than a new one would. Nothing is kept once it is
 * answered, so a later write reads again.
 */
function joinInFlight<T>(read: (path: string, expect: ExpectedObject) => Promise<T>): (path: string, expect: ExpectedObject) => Promise<T> {
  const inFlight = new Map<string, Promise<T>>();
  return (path, expect) => {
    const pending = inFlight.get(path);
    if (pending) return pending;
    const started = read(path, expect).finally(() => inFlight.delete(path));
    inFlight.set(path, started);
    return started;
  };
}

export function createFreshReader(client: JsonClient): FreshReader {
  const shared = joinInFlight((path, expect) => getIfExists<Node | Namespace>(client, path, expect));
  return {
    pod: (namespace, name) => getIfExists<Pod>(client, `/api/v1/namespaces/${segment(namespace)}/pods/${segment(name)}`, { kind: "Pod", name }),
    node: (name) => shared(`/api/v1/nodes/${segment(name)}`, { kind: "Node", name }) as Promise<Node | undefined>,
    namespace: (name) => shared(`/api/v1/namespaces/${segment(name)}`, { kind: "Namespace", name }) as Promise<Namespace | undefined>,
    podsIn: (namespace) => listAll<Pod>(client, `/api/v1/namespaces/${segment(namespace)}/pods`),
    object: (path, expect) => getIfExists<KubeObject>(client, path, expect),
  };
}

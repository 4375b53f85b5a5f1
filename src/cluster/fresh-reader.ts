// Single GETs of the objects a write depends on, made just before the write: the view read at the
// start of the run may be minutes old in a paced sweep. 404 is an answer ("not there"), not an error.
import type { Namespace, Node, Pod } from "../core/k8s.ts";
import { ApiError } from "./api-error.ts";
import type { JsonClient } from "./http.ts";
import { listAll } from "./live.ts";

export interface FreshReader {
  pod(namespace: string, name: string): Promise<Pod | undefined>;
  node(name: string): Promise<Node | undefined>;
  namespace(name: string): Promise<Namespace | undefined>;
  /** Every pod of one namespace (a quorum read), for conditions that count pods. */
  podsIn(namespace: string): Promise<Pod[]>;
}

const segment = encodeURIComponent;

/** Throws ApiError for anything but 200 and 404. */
export async function getIfExists<T>(client: JsonClient, path: string): Promise<T | undefined> {
  try {
    return await client.getJson<T>(path);
  } catch (error) {
    if (error instanceof ApiError && error.code === 404) return undefined;
    throw error;
  }
}

export function createFreshReader(client: JsonClient): FreshReader {
  return {
    pod: (namespace, name) => getIfExists<Pod>(client, `/api/v1/namespaces/${segment(namespace)}/pods/${segment(name)}`),
    node: (name) => getIfExists<Node>(client, `/api/v1/nodes/${segment(name)}`),
    namespace: (name) => getIfExists<Namespace>(client, `/api/v1/namespaces/${segment(name)}`),
    podsIn: (namespace) => listAll<Pod>(client, `/api/v1/namespaces/${segment(namespace)}/pods`),
  };
}

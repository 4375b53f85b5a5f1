// Reading the live cluster: version, nodes and namespaces when needed, then pods page by page.
import type { Namespace, Node, ObjectList, Pod, PriorityClass } from "../core/k8s.ts";
import type { Logger } from "../core/log.ts";
import { ClusterAccessError } from "../errors.ts";
import { nodeHealth, type NamespaceInfo, type NodeHealth } from "../policies/verdict.ts";
import { ApiError, MALFORMED_LIST, MALFORMED_OBJECT } from "./api-error.ts";
import { CONNECTION_LOST, type JsonClient, type ListMetadata } from "./http.ts";
import { namespaceInfo, priorityClassEntry, type ClusterView, type NamespaceManagerObject, type ReadScope } from "./view.ts";

export const PAGE_LIMIT = 500;
/** Times a read of several pod lists starts over from the first before it gives up. */
const MAX_READ_RESTARTS = 3;

export interface LiveReadOptions {
  client: JsonClient;
  scope: ReadScope;
  log: Logger;
  /** Pods per page of a pod list (other lists: pageLimit). */
  podPageLimit?: number;
  pageLimit?: number;
}

export async function readLiveView({ client, scope, log, pageLimit = PAGE_LIMIT, podPageLimit = pageLimit }: LiveReadOptions): Promise<ClusterView> {
  const podPaths = !scope.readPods ? [] : (scope.namespaces ?? [undefined]).map((ns) => (ns === undefined ? "/api/v1/pods" : `/api/v1/namespaces/${encodeURIComponent(ns)}/pods`));
  const podList = (path: string) => pagedList<Pod>(client, path, podPageLimit, scope.podFieldSelector);
  // Everything read before the pods is asked for at once, and the first page of pods with it:
  // at a distance each would otherwise cost a round trip of its own (the pod list a new
  // connection too). The pods are handed out only once the rest has been read.
  let firstPods = podPaths.length > 0 ? startedEarly(podList(podPaths[0]!)) : undefined;
  // Nodes and namespaces are cluster-scoped: a namespace-scoped deployment may not read them.
  // That is fine unless a policy needs them, in which case it is an access error.
  const reads = await Promise.allSettled([
    readVersion(client),
    optionalList<Node, NodeHealth>(client, "/api/v1/nodes", scope.needNodes, log, pageLimit, (n) => [n.metadata?.name ?? "", nodeHealth(n)]),
    optionalList<Namespace, NamespaceInfo>(client, "/api/v1/namespaces", scope.needNamespaces, log, pageLimit, (n) => [n.metadata?.name ?? "", namespaceInfo(n)]),
    scope.namespaceManagers ? readNamespaceManagers(client, log, pageLimit) : undefined,
    scope.needPriorityClasses ? optionalList<PriorityClass, number>(client, PRIORITY_CLASSES_PATH, true, log, pageLimit, priorityClassEntry) : undefined,
  ]);
  // The first failure in this order is the one reported, whichever came back first.
  const failed = reads.find((r) => r.status === "rejected");
  if (failed) {
    firstPods?.close();
    throw failed.reason;
  }
  const [version, nodes, namespaces, namespaceManagers, priorityClasses] = reads.map((r) => (r as PromiseFulfilledResult<unknown>).value) as [
    string,
    Map<string, NodeHealth> | undefined,
    Map<string, NamespaceInfo> | undefined,
    NamespaceManagerObject[] | undefined,
    Map<string, number> | undefined,
  ];
  const addLateNodes = nodes && scope.needNodes ? lateNodes(client, nodes) : undefined;
  return {
    source: { server: client.server, version },
    nodes,
    namespaces,
    priorityClasses,
    namespaceManagers,
    async *podPages() {
      // One list per namespace, but one read for the reader: a list that starts over after the
      // first makes the whole read start over, or the pods of the namespaces before it would be
      // forgotten (and a namespace's "all pods succeeded" could hold without its running pods).
      let restarts = 0;
      read: for (;;) {
        for (const [index, path] of podPaths.entries()) {
          const pages = index === 0 && firstPods ? firstPods.pages : podList(path);
          firstPods = undefined;
          try {
            for await (const page of pages) {
              if (page.restarted && index > 0) {
                if (++restarts > MAX_READ_RESTARTS) throw new ClusterAccessError(`cannot list ${path}: the list had to start over ${restarts} times`);
                yield { items: [], restarted: true };
                continue read;
              }
              await addLateNodes?.(page.items);
              yield page;
            }
          } catch (error) {
            throw accessError(error, `list ${path}`);
          }
        }
        return;
      }
    },
  };
}

/**
 * A generator already asked for its first value, so that its request goes out now: its failure
 * is not unhandled before someone reads it, and `close` ends it whether it was read or not.
 */
function startedEarly<T>(source: AsyncGenerator<T>): { pages: AsyncGenerator<T>; close(): void } {
  const first = source.next();
  first.catch(() => undefined);
  const close = () => void source.return(undefined).catch(() => undefined);
  const pages = (async function* () {
    let next: IteratorResult<T> | undefined;
    try {
      next = await first;
      while (!next.done) {
        yield next.value;
        next = await source.next();
      }
    } finally {
      if (!next?.done) close();
    }
  })();
  return { pages, close };
}

export const PRIORITY_CLASSES_PATH = "/apis/scheduling.k8s.io/v1/priorityclasses";
/**
 * Nodes are listed with the first page of pods, so a node that joined while the pods were read
 * is missing from the list although pods run on it. Each node a pod names that the list lacks is
 * read with a GET before the pod is evaluated: only a 404 leaves it out (confirmed gone).
 */
function lateNodes(client: JsonClient, nodes: Map<string, NodeHealth>): (pods: readonly Pod[]) => Promise<void> {
  const asked = new Set<string>();
  return async (pods) => {
    for (const pod of pods) {
      const name = pod && typeof pod === "object" ? pod.spec?.nodeName : undefined;
      if (typeof name !== "string" || !name || nodes.has(name) || asked.has(name)) continue;
      asked.add(name);
      try {
        nodes.set(name, nodeHealth(await client.getJson<Node>(`/api/v1/nodes/${encodeURIComponent(name)}`, { kind: "Node", name })));
      } catch (error) {
        if (!(error instanceof ApiError && error.code === 404)) throw accessError(error, `get node ${name}`);
      }
    }
  };
}

export const NAMESPACE_MANAGERS_PATH = "/apis/k8s.consol.de/v1beta1/namespacemanagers";

async function readNamespaceManagers(client: JsonClient, log: Logger, pageLimit: number): Promise<NamespaceManagerObject[]> {
  try {
    return await listAll<NamespaceManagerObject>(client, NAMESPACE_MANAGERS_PATH, pageLimit);
  } catch (error) {
    // The CRD is not installed: there is nothing to honour.
    if (error instanceof ApiError && error.code === 404) {
      log.debug("no NamespaceManager resource on this server");
      return [];
    }
    throw accessError(error, `list ${NAMESPACE_MANAGERS_PATH}`);
  }
}

export async function readVersion(client: JsonClient): Promise<string> {
  try {
    const v = await client.getJson<unknown>("/version");
    // A proxy answering `null` or a list is not a server to act on.
    if (!v || typeof v !== "object" || Array.isArray(v)) throw new ApiError(200, MALFORMED_OBJECT, `GET /version: the answer is ${Array.isArray(v) ? "an array" : JSON.stringify(v)}, not the server's version`);
    const gitVersion = (v as { gitVersion?: unknown }).gitVersion;
    return typeof gitVersion === "string" ? gitVersion : "";
  } catch (error) {
    throw accessError(error, "read the server version");
  }
}

/** A list read whole, for objects few enough to hold (never pods). Throws ApiError. */
export async function listAll<T>(client: JsonClient, path: string, limit: number = PAGE_LIMIT): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pagedList<T>(client, path, limit, undefined)) {
    if (page.restarted) out.length = 0;
    out.push(...page.items);
  }
  return out;
}

/** A list read into a map of summaries; a 403 is tolerated when nothing needs it (undefined then). */
export async function optionalList<T, V>(
  client: JsonClient,
  path: string,
  needed: boolean,
  log: Logger,
  pageLimit: number,
  entry: (item: T) => [string, V],
): Promise<Map<string, V> | undefined> {
  // Page by page into the map: node objects are large, and only their summary is kept.
  const map = new Map<string, V>();
  try {
    for await (const page of pagedList<T>(client, path, pageLimit, undefined)) {
      if (page.restarted) map.clear();
      for (const item of page.items) map.set(...entry(item));
    }
    return map;
  } catch (error) {
    if (!needed && error instanceof ApiError && error.code === 403) {
      log.debug(`cannot list ${path} (forbidden); no policy needs it`, { path });
      return undefined;
    }
    throw accessError(error, `list ${path}`);
  }
}

/** Pages of one list asked for at once: the one being read and the next. */
export const PAGES_IN_FLIGHT = 2;

interface OpenPage<T> {
  token: string | undefined;
  stream: AsyncGenerator<T[], ListMetadata>;
  /** The stream's first step, started at once so that the request goes out now. */
  first: Promise<IteratorResult<T[], ListMetadata>>;
  /** The continue token, as soon as the page's metadata has been read (before its items). */
  early: string | undefined;
  nextAsked: boolean;
  stop: AbortController;
}

/**
 * A paginated list, yielded in batches as it arrives, in order. The next page is asked for as soon
 * as the current page's continue token has arrived (it comes before the items), so the round trip
 * overlaps the transfer; at most `inFlight` pages are open, and a page read ahead is not read
 * further than its first bytes until its turn (its connection is backpressured), so memory stays
 * flat. An expired continue token (410), or a connection lost or a page found not to be a list
 * after part of it was handed out, restarts the list and says so (the reader starts over); a page
 * lost before any of it was handed out is asked for again. Any page that is not a list in the end
 * is an error (ApiError), never a shorter list.
 */
export async function* pagedList<T>(
  client: JsonClient,
  path: string,
  limit: number,
  fieldSelector: string | undefined,
  inFlight: number = PAGES_IN_FLIGHT,
): AsyncGenerator<{ items: T[]; restarted: boolean }> {
  let pages: OpenPage<T>[] = [];
  const urlOf = (token: string | undefined) => {
    const query = new URLSearchParams({ limit: String(limit) });
    if (token) query.set("continue", token);
    if (fieldSelector) query.set("fieldSelector", fieldSelector);
    return `${path}?${query}`;
  };
  /** Asks for the page after the last open one once its token is known, while there is room. */
  const askAhead = () => {
    for (;;) {
      const last = pages.at(-1);
      if (!last || pages.length >= inFlight || last.nextAsked || !last.early) return;
      last.nextAsked = true;
      open(last.early);
    }
  };
  const open = (token: string | undefined) => {
    const stop = new AbortController();
    const page = { token, early: undefined, nextAsked: false, stop } as OpenPage<T>;
    page.stream = client.streamList<T>(urlOf(token), {
      signal: stop.signal,
      onMetadata: (metadata) => {
        if (stop.signal.aborted) return;
        page.early = metadata.continue || undefined;
        askAhead();
      },
    });
    page.first = page.stream.next();
    // Awaited when its turn comes; until then a failure must not count as unhandled.
    page.first.catch(() => undefined);
    pages.push(page);
  };
  const abandon = (dropped: OpenPage<T>[]) => {
    for (const page of dropped) {
      page.stop.abort();
      page.stream.return(undefined as never).catch(() => undefined);
    }
  };

  let attempts = 0;
  open(undefined);
  try {
    for (;;) {
      const page = pages[0]!;
      let handedOut = false;
      let metadata: ListMetadata;
      try {
        let next = await page.first;
        while (!next.done) {
          handedOut = true;
          yield { items: next.value, restarted: false };
          next = await page.stream.next();
        }
        metadata = next.value;
      } catch (error) {
        const expired = error instanceof ApiError && error.code === 410 && page.token !== undefined;
        // Cut off, or found not to be a list, after items were handed out: read again from the top.
        // (Before that, the client's own retries already asked for the page again.)
        const lost = error instanceof ApiError && (error.reason === CONNECTION_LOST || error.reason === MALFORMED_LIST) && handedOut;
        if (!((expired || lost) && attempts < 3)) throw error;
        attempts++;
        abandon(pages);
        pages = [];
        open(undefined);
        // Said at once: the list read again may have no items at all.
        yield { items: [], restarted: true };
        continue;
      }
      pages.shift();
      const token = metadata.continue || undefined;
      // The token read early is the one the whole page ends with, unless the answer was odd.
      if (pages.length > 0 && pages[0]!.token !== token) {
        abandon(pages);
        pages = [];
      }
      if (!token) return;
      if (pages.length === 0) open(token);
      askAhead();
    }
  } finally {
    abandon(pages);
  }
}

export function accessError(error: unknown, doing: string): Error {
  if (error instanceof ClusterAccessError) return error;
  if (error instanceof ApiError) {
    const what = error.code === 0 ? "cannot reach the API server" : `HTTP ${error.code}${error.reason ? ` ${error.reason}` : ""}`;
    return new ClusterAccessError(`cannot ${doing}: ${what}: ${error.message}`);
  }
  return error as Error;
}

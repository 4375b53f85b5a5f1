// Reads go as plain JSON through Node's http(s) with the kubeconfig's credentials: no model
// classes to build per object, and one keep-alive connection for every page of a list. Lists are
// split into items as they arrive (list-splitter.ts), so no page is ever held whole; a 200 answer
// that is not a list of objects is a read error, never an empty list.
import http from "node:http";
import https from "node:https";
import { ApiError, apiErrorFromStatus, MALFORMED_LIST, MALFORMED_OBJECT } from "./api-error.ts";
import type { Connection } from "./kubeconfig.ts";
import type { Credential, Credentials } from "./kubeconfig-credentials.ts";
import { clusterAgent } from "./kubeconfig-transport.ts";
import { ListShapeError, ListSplitter, listProblem } from "./list-splitter.ts";
import type { ApiPolicy } from "./api-policy.ts";

/** The reason of an ApiError for a response cut off mid-body. */
export const CONNECTION_LOST = "ConnectionLost";

export interface ListMetadata {
  continue?: string;
  resourceVersion?: string;
}

/** The object a single GET asks for: its answer must be that object. */
export interface ExpectedObject {
  kind: string;
  name: string;
}

export interface StreamListOptions {
  /** Called once the list's metadata has been read, before its items: the next page may be asked for. */
  onMetadata?: (metadata: ListMetadata) => void;
  /** Aborted when the list is no longer wanted: ends its request and any retry wait at once. */
  signal?: AbortSignal;
}

export interface SendOptions {
  body?: unknown;
  /** Default application/json. */
  contentType?: string;
  /** Whose limits and cancellation the request obeys (default the client's). */
  policy?: ApiPolicy;
  /** The whole request's time limit (default the policy's request timeout). */
  timeoutMs?: number;
}

export interface JsonClient {
  server: string;
  /** With `expect`, a 200 answer that is not that object is a read error (retried as any read). */
  getJson<T>(path: string, expect?: ExpectedObject): Promise<T>;
  /**
   * One request, a write usually, with a JSON body; its answer parsed. Throttled, not retried
   * (the caller knows whether it is safe to repeat). Anything but a 2xx throws ApiError.
   */
  send<T>(method: string, path: string, options?: SendOptions): Promise<T>;
  /**
   * A list's items in batches as the bytes arrive; returns the list's metadata. Opening it is
   * retried like any read; a failure after that throws ApiError (code 0 for the network).
   */
  streamList<T>(path: string, options?: StreamListOptions): AsyncGenerator<T[], ListMetadata>;
  /** Lets up to `count` requests be open at once (4 until then): a sweep's writers in flight need a connection each. */
  allowConnections(count: number): void;
  close(): void;
}

export async function jsonClient(connection: Connection, credentials: Credentials, api: ApiPolicy): Promise<JsonClient> {
  const timeoutMs = api.timeoutMs;
  const server = connection.cluster.server;
  const secure = server.startsWith("https:");
  // Credentials are asked for before every request (they may expire mid-run); the connection
  // pool is kept while the client certificate stays the same.
  const agents = new Map<unknown, http.Agent>();
  let maxSockets = 4;
  const agentFor = (credential: Credential) => {
    const key = credential.cert;
    let agent = agents.get(key);
    if (!agent) agents.set(key, (agent = clusterAgent(connection.cluster, credential, maxSockets)));
    return agent;
  };
  const allowConnections = (count: number) => {
    maxSockets = Math.max(maxSockets, count);
    for (const agent of agents.values()) agent.maxSockets = maxSockets;
  };

  // Fetched now, so that credentials or TLS files that cannot be used stop the run before any
  // read, with their own message (an exec plugin that fails, an unreadable CA file).
  agentFor(await credentials.current());

  const networkError = (error: Error) => (error instanceof ApiError ? error : new ApiError(0, "NetworkError", `${error.message} (${server})`));

  /** The response of a GET once it is a 2xx; a 401 is tried once more when new credentials may help. */
  const open = async (path: string, signal = api.signal, method = "GET", body?: { bytes: Buffer; type: string }) => {
    const credential = await credentials.current();
    try {
      return await openWith(method, path, credential, signal, body);
    } catch (error) {
      if (!(error instanceof ApiError && error.code === 401 && credentials.rejected(credential))) throw error;
      return openWith(method, path, await credentials.current(), signal, body);
    }
  };

  /** The response once it is a 2xx; any other status is read whole and thrown. */
  const openWith = (method: string, path: string, credential: Credential, signal: AbortSignal | undefined, body?: { bytes: Buffer; type: string }) =>
    new Promise<http.IncomingMessage>((resolve, reject) => {
      const url = new URL(server + path);
      const headers: Record<string, string> = { ...(credential.headers as Record<string, string>), Accept: "application/json" };
      if (body) Object.assign(headers, { "Content-Type": body.type, "Content-Length": String(body.bytes.length) });
      const request = (secure ? https : http).request(url, { method, agent: agentFor(credential), headers, timeout: timeoutMs, signal }, (res) => {
        const code = res.statusCode ?? 0;
        if (code >= 200 && code < 300) return resolve(res);
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", (error) => reject(networkError(error)));
        res.on("end", () => reject(apiErrorFromStatus(code, Buffer.concat(chunks).toString("utf8"), `HTTP ${code} for ${method} ${path}`, res.headers["retry-after"])));
      });
      // Also fires mid-body: the socket was idle that long.
      request.on("timeout", () => request.destroy(new Error(`${method} ${path}: no answer within ${timeoutMs} ms`)));
      request.on("error", (error) => reject(networkError(error)));
      request.end(body?.bytes);
    });

  const readBody = async (res: http.IncomingMessage): Promise<string> => {
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of res) chunks.push(chunk as Buffer);
    } catch (error) {
      throw networkError(error as Error);
    }
    return Buffer.concat(chunks).toString("utf8");
  };

  const getOnce = async <T>(path: string, expect: ExpectedObject | undefined): Promise<T> => {
    const res = await open(path);
    const text = await readBody(res);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new ApiError(res.statusCode ?? 0, "BadResponse", `GET ${path}: response is not JSON`);
    }
    const problem = expect && objectProblem(value, expect);
    // `null` or `{}` for a node would read as "node gone" or "no annotations": never acted on.
    if (problem) throw new ApiError(res.statusCode ?? 0, MALFORMED_OBJECT, `GET ${path}: not the ${expect.kind} ${expect.name}: ${problem}`);
    return value as T;
  };

  /** Why a list read goes wrong, as an ApiError: not JSON, not a list of objects, or cut off. */
  const listError = (error: unknown, path: string, res: http.IncomingMessage): ApiError => {
    if (error instanceof ApiError) return error;
    if (error instanceof ListShapeError) return new ApiError(res.statusCode ?? 0, MALFORMED_LIST, `GET ${path}: not a list: ${error.message}`);
    if (error instanceof SyntaxError) return new ApiError(res.statusCode ?? 0, "BadResponse", `GET ${path}: response is not JSON`);
    return new ApiError(0, CONNECTION_LOST, `${(error as Error).message} while reading GET ${path} (${server})`);
  };

  const checkedKind = (splitter: ListSplitter) => {
    // Items are about to be handed out: they must come from a list (a Status has none).
    const kind = splitter.shape.kind;
    if (splitter.shape.items > 0 && kind !== undefined && !kind.endsWith("List")) throw new ListShapeError(`kind ${JSON.stringify(kind)} is not a List`);
  };

  /**
   * Opens a list and reads it up to its first items (or its end), so that an answer that is not a
   * list is retried like any failed read before anything is handed out.
   */
  const openList = async (path: string, options: StreamListOptions) => {
    const signal = options.signal && api.signal ? AbortSignal.any([options.signal, api.signal]) : (options.signal ?? api.signal);
    const res = await open(path, signal);
    const splitter = new ListSplitter();
    let reported = false;
    const report = () => {
      if (reported || !splitter.metadata) return;
      reported = true;
      options.onMetadata?.(splitter.metadata as ListMetadata);
    };
    const chunks = res[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    try {
      for (;;) {
        const next = await chunks.next();
        if (next.done) return { res, chunks, splitter, report, first: [] as unknown[], metadata: endOfList(splitter) };
        const items = splitter.push(next.value);
        checkedKind(splitter);
        report();
        if (items.length > 0) return { res, chunks, splitter, report, first: items, metadata: undefined };
      }
    } catch (error) {
      res.destroy();
      throw listError(error, path, res);
    }
  };

  const endOfList = (splitter: ListSplitter): ListMetadata => {
    const skeleton = splitter.end<{ metadata?: ListMetadata }>();
    const problem = listProblem(skeleton, splitter.shape, true);
    if (problem) throw new ListShapeError(problem);
    return skeleton.metadata ?? {};
  };

  async function* streamList<T>(path: string, options: StreamListOptions = {}): AsyncGenerator<T[], ListMetadata> {
    const { res, chunks, splitter, report, first, metadata } = await api.retrying(`GET ${path.split("?")[0]}`, () => api.limiter.take().then(() => openList(path, options)), options.signal);
    try {
      if (metadata) return metadata;
      yield first as T[];
      for (;;) {
        const next = await chunks.next();
        if (next.done) return endOfList(splitter);
        const items = splitter.push(next.value) as T[];
        checkedKind(splitter);
        report();
        if (items.length > 0) yield items;
      }
    } catch (error) {
      throw listError(error, path, res);
    } finally {
      // Left early (an error, or the reader stopped): the rest of the body is not wanted.
      if (!res.complete) res.destroy();
    }
  }

  const send = async <T>(method: string, path: string, options: SendOptions = {}): Promise<T> => {
    const policy = options.policy ?? api;
    await policy.limiter.take();
    const body = options.body === undefined ? undefined : { bytes: Buffer.from(JSON.stringify(options.body)), type: options.contentType ?? "application/json" };
    // Started once the limiter lets it go, as the client library's calls were.
    const res = await open(path, policy.requestSignal(options.timeoutMs ?? policy.timeoutMs), method, body);
    const text = await readBody(res);
    if (!text) return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ApiError(res.statusCode ?? 0, "BadResponse", `${method} ${path}: response is not JSON`);
    }
  };

  // Reads are always safe to repeat.
  const getJson = <T>(path: string, expect?: ExpectedObject) => api.retrying(`GET ${path.split("?")[0]}`, () => api.limiter.take().then(() => getOnce<T>(path, expect)));

  return { server, getJson, send, streamList, allowConnections, close: () => agents.forEach((agent) => agent.destroy()) };
}

/** Why a 200 answer is not the object asked for (the real server always names its kind). */
function objectProblem(value: unknown, expect: ExpectedObject): string | undefined {
  if (!value || typeof value !== "object" || Array.isArray(value)) return `the answer is ${Array.isArray(value) ? "an array" : value === null ? "null" : `a ${typeof value}`}`;
  const { kind, metadata } = value as { kind?: unknown; metadata?: { name?: unknown } };
  if (kind !== expect.kind) return `kind ${JSON.stringify(kind)}`;
  if (!metadata || typeof metadata !== "object" || metadata.name !== expect.name) return `metadata.name ${JSON.stringify(metadata?.name)}`;
  return undefined;
}

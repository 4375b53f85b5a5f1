// Is an image still there? One manifest HEAD per image, through the registry's auth challenge
// (Bearer token or Basic), retried on network errors, 5xx and 429, with a timeout each.
// Credentials go only to the host checked and the token realm its challenge names, and never over
// plain HTTP to a host not listed in plainHttp (a registry may name any realm, on any host).
import http from "node:http";
import https from "node:https";
import { DEFAULT_RETRY, parseRetryAfter, withRetries, type RetryPolicy } from "../core/retry.ts";
import type { Credential } from "./credentials.ts";
import { apiHost, type ImageRef } from "./reference.ts";

export type ImageStatus = "available" | "absent" | "auth-failure" | "authz-failure" | "unknown-error" | "bad-format";

export interface ImageCheck {
  status: ImageStatus;
  detail: string;
  /** unknown-error because the registry did not answer or kept failing (5xx/429). */
  registryUnavailable?: boolean;
}

export interface RegistryOptions {
  /** Hosts spoken to over plain HTTP (host:port). */
  plainHttp: ReadonlySet<string>;
  skipTLSVerify: ReadonlySet<string>;
  /** Registry -> mirror host to check instead. */
  mirrors: ReadonlyMap<string, string>;
  timeoutMs: number;
  retry?: RetryPolicy;
  /** Test hook: waits between retries. */
  wait?: (ms: number) => Promise<void>;
  /** The run's cancellation: ends every request and retry wait. */
  signal?: AbortSignal | undefined;
}

export const MANIFEST_TYPES = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.docker.distribution.manifest.v1+prettyjws",
].join(", ");

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

class NoAnswer extends Error {}
class RetryableStatus extends Error {
  readonly answer: Answer;
  constructor(answer: Answer) {
    super(`HTTP ${answer.status}`);
    this.answer = answer;
  }
}

const MAX_REDIRECTS = 5;

export interface RegistryClient {
  /** The host a check of this image talks to (its mirror, if one is configured): whose credentials to use. */
  hostFor(image: ImageRef): string;
  check(image: ImageRef, credential: Credential | undefined): Promise<ImageCheck>;
}

export function registryClient(options: RegistryOptions): RegistryClient {
  const tokens = new Map<string, Promise<string | { failed: ImageCheck }>>();
  const agents = { http: new http.Agent({ keepAlive: true, maxSockets: 16 }), https: new https.Agent({ keepAlive: true, maxSockets: 16 }), insecure: new https.Agent({ keepAlive: true, maxSockets: 16, rejectUnauthorized: false }) };
  const retry = options.retry ?? { ...DEFAULT_RETRY, attempts: 3 };
  const mayCarryCredentials = (url: URL) => url.protocol === "https:" || options.plainHttp.has(url.host);
  const hostFor = (image: ImageRef) => options.mirrors.get(image.registry) ?? image.registry;

  const send = (method: string, url: URL, headers: Record<string, string>): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const secure = url.protocol === "https:";
      const agent = !secure ? agents.http : options.skipTLSVerify.has(url.host) ? agents.insecure : agents.https;
      const req = (secure ? https : http).request(url, { method, headers: { "User-Agent": "kube-sweeper", ...headers }, agent, timeout: options.timeoutMs, signal: options.signal }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          if (body.length < 64 * 1024) body += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on("error", (e) => reject(new NoAnswer(e.message)));
      });
      req.on("timeout", () => req.destroy(new NoAnswer(`no answer within ${options.timeoutMs} ms`)));
      req.on("error", (e) => reject(e instanceof NoAnswer ? e : new NoAnswer((e as NodeJS.ErrnoException).code ?? e.message)));
      req.end();
    });

  /** Follows redirects; Authorization goes only to the host it was meant for, and never downgraded to unlisted plain HTTP. */
  const request = async (method: string, start: URL, headers: Record<string, string>): Promise<Answer> => {
    let url = start;
    let current = headers;
    for (let hop = 0; ; hop++) {
      const answer = await withRetries(
        async () => {
          const a = await send(method, url, current);
          if (a.status >= 500 || a.status === 429) throw new RetryableStatus(a);
          return a;
        },
        (error) => ({ retryable: true, retryAfterMs: error instanceof RetryableStatus ? parseRetryAfter(error.answer.headers["retry-after"] as string | undefined) : undefined }),
        retry,
        { wait: options.wait, signal: options.signal },
      );
      if (answer.status < 300 || answer.status >= 400 || !answer.headers.location || hop >= MAX_REDIRECTS) return answer;
      const next = new URL(answer.headers.location, url);
      if (next.host !== url.host || !mayCarryCredentials(next)) {
        const { Authorization: _dropped, ...rest } = current;
        current = rest;
      }
      url = next;
    }
  };

  const token = (challenge: Record<string, string>, scope: string, credential: Credential | undefined) => {
    const key = [challenge.realm, challenge.service, scope, credential?.username ?? "", credential?.password ?? ""].join("\u0000");
    let pending = tokens.get(key);
    if (!pending) {
      pending = (async () => {
        let realm: URL;
        try {
          realm = new URL(challenge.realm!);
        } catch {
          return { failed: { status: "unknown-error" as const, detail: `the registry named a token realm that is not a URL: ${JSON.stringify(challenge.realm)}` } };
        }
        if (realm.protocol !== "https:" && realm.protocol !== "http:") return { failed: { status: "unknown-error" as const, detail: `token realm ${realm.origin} is neither HTTPS nor HTTP` } };
        if (credential && !mayCarryCredentials(realm)) {
          return { failed: { status: "unknown-error" as const, detail: `token realm ${realm.origin}${realm.pathname} is plain HTTP and not listed in plainHttp: credentials not sent (list ${realm.host} in settings.registries.plainHttp to allow it)` } };
        }
        if (challenge.service) realm.searchParams.set("service", challenge.service);
        realm.searchParams.set("scope", challenge.scope ?? scope);
        const headers: Record<string, string> = credential ? { Authorization: basic(credential) } : {};
        const answer = await request("GET", realm, headers);
        if (answer.status === 401) return { failed: { status: "auth-failure" as const, detail: `token server ${realm.host} refused ${credential ? "the credentials" : "anonymous access"} (401)` } };
        if (answer.status === 403) return { failed: { status: "authz-failure" as const, detail: `token server ${realm.host} denied pull access (403)` } };
        if (answer.status !== 200) return { failed: { status: "unknown-error" as const, detail: `token server ${realm.host} answered ${answer.status}` } };
        try {
          const body = JSON.parse(answer.body) as { token?: string; access_token?: string };
          const value = body.token ?? body.access_token;
          if (value) return value;
        } catch {
          // fall through
        }
        return { failed: { status: "unknown-error" as const, detail: `token server ${realm.host} sent no token` } };
      })();
      tokens.set(key, pending);
      // A failed fetch is not worth keeping for other images.
      pending.then((v) => typeof v !== "string" && tokens.delete(key), () => tokens.delete(key));
    }
    return pending;
  };

  return {
    hostFor,
    async check(image, credential) {
      const host = hostFor(image);
      const scheme = options.plainHttp.has(host) ? "http" : "https";
      const url = new URL(`${scheme}://${apiHost(host)}/v2/${image.repository}/manifests/${image.reference}`);
      const accept = { Accept: MANIFEST_TYPES };
      const scope = `repository:${image.repository}:pull`;
      try {
        let answer = await request("HEAD", url, accept);
        if (answer.status === 401) {
          const challenge = parseChallenge(String(answer.headers["www-authenticate"] ?? ""));
          if (challenge?.scheme === "bearer" && challenge.params.realm) {
            const got = await token(challenge.params, scope, credential);
            if (typeof got !== "string") return got.failed;
            answer = await request("HEAD", url, { ...accept, Authorization: `Bearer ${got}` });
          } else if (challenge?.scheme === "basic") {
            if (!credential) return { status: "auth-failure", detail: `${host} requires credentials and no pull secret has any for it; nodes may have their own` };
            answer = await request("HEAD", url, { ...accept, Authorization: basic(credential) });
          }
        }
        return classify(answer, host, credential);
      } catch (error) {
        if (error instanceof RetryableStatus) return { status: "unknown-error", detail: `${host} answered ${error.answer.status} (after ${retry.attempts} attempts)`, registryUnavailable: true };
        return { status: "unknown-error", detail: `${host}: ${(error as Error).message}`, registryUnavailable: true };
      }
    },
  };
}

function classify(answer: Answer, host: string, credential: Credential | undefined): ImageCheck {
  switch (answer.status) {
    case 200:
      return { status: "available", detail: String(answer.headers["docker-content-digest"] ?? "") };
    case 404:
      return { status: "absent", detail: "manifest not found (404)" };
    case 401:
      // Nodes may hold credentials the sweeper cannot see: never call this absent.
      return { status: "auth-failure", detail: `${host} refused ${credential ? `the credentials of ${credential.username}` : "anonymous access"} (401); the image may still exist` };
    case 403:
      return { status: "authz-failure", detail: `${host} denied access (403); the image may still exist` };
    default:
      return { status: "unknown-error", detail: `${host} answered ${answer.status}` };
  }
}

function basic(credential: Credential): string {
  return `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString("base64")}`;
}

/** `Bearer realm="...",service="...",scope="..."` or `Basic realm="..."`. */
export function parseChallenge(header: string): { scheme: string; params: Record<string, string> } | undefined {
  const m = /^\s*(\w+)\s*(.*)$/.exec(header);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  for (const p of m[2]!.matchAll(/(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) params[p[1]!.toLowerCase()] = (p[2] ?? p[3] ?? "").replace(/\\(.)/g, "$1");
  return { scheme: m[1]!.toLowerCase(), params };
}

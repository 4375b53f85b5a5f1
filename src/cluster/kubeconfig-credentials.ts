// The credentials of the kubeconfig user, fetched per request so that none goes stale mid-run:
// an exec plugin's token is kept until shortly before its expirationTimestamp, a token file is
// read again whenever it changes on disk (a projected service account token is rotated by the
// kubelet), and a 401 answer drops whatever was cached so the next request fetches anew. Reads
// and writes share one instance. As in client-go, tokenFile wins over token, and a token over an
// exec plugin.
import { spawn } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import type { ClusterEntry, Connection, UserEntry } from "./kubeconfig.ts";
import { oneLine } from "./kubeconfig.ts";
import { ApiError } from "./api-error.ts";

export interface Credential {
  headers: Record<string, string | string[]>;
  /** A client certificate and key (PEM) to present, if any. */
  cert?: string | Buffer;
  key?: string | Buffer;
  /** Which fetch this came from: a 401 drops the cache only if it is still this one. */
  generation: number;
}

export interface Credentials {
  current(): Promise<Credential>;
  /** The server answered 401 with these: returns true when a retry may get different ones. */
  rejected(used: Credential): boolean;
}

/** An exec plugin's token is replaced this long before it expires, so it never expires in flight. */
export const EXEC_EXPIRY_MARGIN_MS = 1000;
/** How long an exec plugin may take. */
const EXEC_TIMEOUT_MS = 60_000;

const SUPPORTED_EXEC_VERSIONS = ["client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"];

export function credentialsFor(connection: Connection, clock: () => number = Date.now): Credentials {
  const { user, cluster } = connection;
  const fixed: Record<string, string | string[]> = {};
  if (user.impersonate) fixed["Impersonate-User"] = user.impersonate;
  if (user.impersonateGroups?.length) fixed["Impersonate-Group"] = user.impersonateGroups;
  if (user.username || user.password) fixed.Authorization = `Basic ${Buffer.from(`${user.username ?? ""}:${user.password ?? ""}`).toString("base64")}`;
  // Read once: the kubeconfig's own files, as kubectl reads them at start.
  const staticCert = fileOrData(user.clientCertificate, user.clientCertificateData, "client-certificate");
  const staticKey = fileOrData(user.clientKey, user.clientKeyData, "client-key");

  let generation = 0;
  const make = (extra: Partial<Credential> & { token?: string }): Credential => ({
    headers: { ...fixed, ...(extra.token ? { Authorization: `Bearer ${extra.token}` } : {}) },
    cert: extra.cert ?? staticCert,
    key: extra.key ?? staticKey,
    generation,
  });

  if (user.tokenFile) {
    const file = user.tokenFile;
    let cached: { stamp: string; credential: Credential } | undefined;
    return {
      async current() {
        const stamp = fileStamp(file);
        if (!cached || cached.stamp !== stamp) {
          generation++;
          cached = { stamp, credential: make({ token: readToken(file) }) };
        }
        return cached.credential;
      },
      rejected(used) {
        if (cached?.credential.generation === used.generation) cached = undefined;
        return true;
      },
    };
  }
  if (user.token) {
    const credential = make({ token: user.token });
    return { current: async () => credential, rejected: () => false };
  }
  if (user.exec) {
    const exec = user.exec;
    let cached: { credential: Credential; expiresAt: number | undefined } | undefined;
    let inFlight: Promise<Credential> | undefined;
    const fresh = () => cached && (cached.expiresAt === undefined || cached.expiresAt - EXEC_EXPIRY_MARGIN_MS > clock());
    return {
      async current() {
        if (fresh()) return cached!.credential;
        // One plugin run serves every request waiting for it.
        inFlight ??= runExecPlugin(user, cluster)
          .then((out) => {
            generation++;
            cached = { credential: make({ token: out.token, cert: out.cert, key: out.key }), expiresAt: out.expiresAt };
            return cached.credential;
          })
          .finally(() => (inFlight = undefined));
        return inFlight;
      },
      rejected(used) {
        if (cached?.credential.generation === used.generation) cached = undefined;
        return exec !== undefined;
      },
    };
  }
  if (user.authProvider) return authProviderCredentials(connection, make);
  const credential = make({});
  return { current: async () => credential, rejected: () => false };
}

function fileOrData(file: string | undefined, data: string | undefined, what: string): string | Buffer | undefined {
  // As client-go: the -data field wins (and both at once is refused earlier).
  if (data) return Buffer.from(data, "base64");
  if (!file) return undefined;
  try {
    return readFileSync(file);
  } catch (error) {
    throw new ApiError(401, "CredentialsUnavailable", `cannot read ${what} ${file}: ${oneLine(error)}`);
  }
}

function fileStamp(file: string): string {
  try {
    const s = statSync(file);
    return `${s.ino}:${s.mtimeMs}:${s.size}`;
  } catch (error) {
    throw new ApiError(401, "CredentialsUnavailable", `cannot read token file ${file}: ${oneLine(error)}`);
  }
}

function readToken(file: string): string {
  let token: string;
  try {
    token = readFileSync(file, "utf8").trim();
  } catch (error) {
    throw new ApiError(401, "CredentialsUnavailable", `cannot read token file ${file}: ${oneLine(error)}`);
  }
  if (!token) throw new ApiError(401, "CredentialsUnavailable", `token file ${file} is empty`);
  return token;
}

interface ExecOutput {
  token?: string;
  cert?: string;
  key?: string;
  expiresAt?: number;
}

/** Runs the plugin as client-go does: KUBERNETES_EXEC_INFO in, an ExecCredential on stdout. */
function runExecPlugin(user: UserEntry, cluster: ClusterEntry): Promise<ExecOutput> {
  const exec = user.exec!;
  const fail = (message: string) => new ApiError(401, "CredentialsUnavailable", `exec plugin ${exec.command} (user "${user.name}"): ${message}`);
  if (!SUPPORTED_EXEC_VERSIONS.includes(exec.apiVersion)) return Promise.reject(fail(`apiVersion ${exec.apiVersion} is not supported (use ${SUPPORTED_EXEC_VERSIONS.join(" or ")})`));
  // Nothing here is interactive: a plugin that must ask the user cannot run.
  if (exec.interactiveMode === "Always") return Promise.reject(fail("interactiveMode Always needs a terminal; kube-sweeper runs without one"));
  const spec: Record<string, unknown> = { interactive: false };
  if (exec.provideClusterInfo) {
    const ca = cluster.certificateAuthorityData ?? (cluster.certificateAuthority ? readFileSync(cluster.certificateAuthority).toString("base64") : undefined);
    spec.cluster = {
      server: cluster.server,
      ...(cluster.tlsServerName ? { "tls-server-name": cluster.tlsServerName } : {}),
      ...(cluster.insecureSkipTlsVerify ? { "insecure-skip-tls-verify": true } : {}),
      ...(ca ? { "certificate-authority-data": ca } : {}),
      // client-go hands a plugin the kubeconfig's proxy-url, not the environment's proxy.
      ...(cluster.proxyUrl && !cluster.proxyFrom ? { "proxy-url": cluster.proxyUrl } : {}),
      ...(cluster.execExtension !== undefined ? { config: cluster.execExtension } : {}),
    };
  }
  const env = { ...process.env, ...Object.fromEntries(exec.env.map((e) => [e.name, e.value])), KUBERNETES_EXEC_INFO: JSON.stringify({ apiVersion: exec.apiVersion, kind: "ExecCredential", spec }) };
  return new Promise((resolve, reject) => {
    const child = spawn(exec.command, exec.args, { env, stdio: ["ignore", "pipe", "pipe"] });
    // Our own timer, unreferenced: spawn's `timeout` keeps the process alive when the command is
    // not found at all.
    const timer = setTimeout(() => child.kill("SIGKILL"), EXEC_TIMEOUT_MS).unref();
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(fail(error.code === "ENOENT" ? `not found${exec.installHint ? ` (${exec.installHint.split("\n")[0]})` : ""}` : oneLine(error)));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) return reject(fail(`${signal ? `killed by ${signal}` : `exited ${code}`}${stderr.trim() ? `: ${oneLine(stderr.trim())}` : ""}`));
      let parsed: { apiVersion?: unknown; kind?: unknown; status?: { token?: unknown; clientCertificateData?: unknown; clientKeyData?: unknown; expirationTimestamp?: unknown } };
      try {
        parsed = JSON.parse(stdout);
      } catch {
        return reject(fail("did not print an ExecCredential (not JSON)"));
      }
      if (parsed?.kind !== "ExecCredential") return reject(fail("did not print an ExecCredential"));
      if (parsed.apiVersion !== exec.apiVersion) return reject(fail(`printed apiVersion ${String(parsed.apiVersion)}, configured ${exec.apiVersion}`));
      const status = parsed.status ?? {};
      const token = typeof status.token === "string" && status.token ? status.token : undefined;
      const cert = typeof status.clientCertificateData === "string" && status.clientCertificateData ? status.clientCertificateData : undefined;
      const key = typeof status.clientKeyData === "string" && status.clientKeyData ? status.clientKeyData : undefined;
      if (!token && !(cert && key)) return reject(fail("printed neither a token nor a client certificate and key"));
      let expiresAt: number | undefined;
      if (status.expirationTimestamp !== undefined) {
        expiresAt = typeof status.expirationTimestamp === "string" ? Date.parse(status.expirationTimestamp) : NaN;
        if (Number.isNaN(expiresAt)) return reject(fail(`expirationTimestamp ${JSON.stringify(status.expirationTimestamp)} is not a time`));
      }
      resolve({ token, cert, key, expiresAt });
    });
  });
}

/**
 * Legacy auth-provider users (oidc, and gcp/azure on older kubeconfigs): the client library's own
 * authenticators, asked before every request, so their refresh logic applies to reads too.
 */
function authProviderCredentials(connection: Connection, make: (extra: { token?: string }) => Credential): Credentials {
  let kc: Promise<{ applyToHTTPSOptions(opts: { headers?: Record<string, string> }): Promise<void> }> | undefined;
  let last: string | undefined;
  let generation = 0;
  return {
    async current() {
      kc ??= import("./kubeconfig-class.ts").then(({ KubeConfig }) => {
        const k = new KubeConfig();
        const { user, cluster } = connection;
        k.loadFromOptions({
          clusters: [{ name: cluster.name, server: cluster.server, skipTLSVerify: cluster.insecureSkipTlsVerify }],
          users: [{ name: user.name, authProvider: user.authProvider }],
          contexts: [{ name: "selected", cluster: cluster.name, user: user.name }],
          currentContext: "selected",
        });
        return k;
      });
      const opts: { headers?: Record<string, string> } = {};
      try {
        await (await kc).applyToHTTPSOptions(opts);
      } catch (error) {
        throw new ApiError(401, "CredentialsUnavailable", `auth-provider ${connection.user.authProvider!.name} (user "${connection.user.name}"): ${oneLine(error)}`);
      }
      const header = opts.headers?.Authorization;
      if (header !== last) generation++;
      last = header;
      const credential = make({});
      if (header) credential.headers.Authorization = header;
      credential.generation = generation;
      return credential;
    },
    rejected: () => false,
  };
}

// Which cluster, as which user: kubeconfig files found, merged and resolved the way kubectl
// (client-go's clientcmd loader) does, so kube-sweeper never acts on a different cluster than the
// user's kubectl would. The rules, checked against client-go's loader.go and client_config.go:
// - `--kubeconfig FILE`: that file alone, and it must exist.
// - otherwise KUBECONFIG, split on the path delimiter: empty names ignored, a name listed twice
//   read once, missing files skipped; an empty KUBECONFIG means ~/.kube/config.
// - merging: the first file to define a cluster, user or context name keeps it whole (a later
//   definition is discarded, even its fields the first one lacks); current-context comes from the
//   first file that sets it. A name defined twice in one file is an error, as in kubectl.
// - relative paths (certificate-authority, client-certificate, client-key, tokenFile, and an exec
//   command containing a "/") are relative to the file that defined them.
// - --context, then current-context, picks the context; --cluster and --user replace its cluster
//   and user. A context that names a user no file defines means no credentials, as in kubectl.
// - nothing selected at all (no context, no --cluster): the in-cluster service account, if any.
// kubectl would fall back to http://localhost:8080; kube-sweeper refuses instead.
import { readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, dirname, isAbsolute, join, resolve, sep } from "node:path";
import { parse } from "yaml";
import { ClusterAccessError } from "../errors.ts";
import { proxyFromEnvironment } from "./env-proxy.ts";

export interface KubeconfigOptions {
  kubeconfig?: string | undefined;
  context?: string | undefined;
  cluster?: string | undefined;
  user?: string | undefined;
  env: NodeJS.ProcessEnv;
  /** --insecure-skip-tls-verify: the only way TLS verification is turned off. */
  insecure?: boolean;
}

export interface ExecConfig {
  command: string;
  args: string[];
  env: { name: string; value: string }[];
  apiVersion: string;
  installHint?: string;
  provideClusterInfo: boolean;
  interactiveMode?: string;
}

export interface ClusterEntry {
  name: string;
  server: string;
  certificateAuthority?: string;
  certificateAuthorityData?: string;
  insecureSkipTlsVerify: boolean;
  tlsServerName?: string;
  proxyUrl?: string;
  /** Set when proxyUrl came from the environment (HTTPS_PROXY and the like), not the kubeconfig. */
  proxyFrom?: string;
  /** extensions["client.authentication.k8s.io/exec"], handed to exec plugins that ask for cluster info. */
  execExtension?: unknown;
}

export interface UserEntry {
  name: string;
  token?: string;
  tokenFile?: string;
  username?: string;
  password?: string;
  clientCertificate?: string;
  clientCertificateData?: string;
  clientKey?: string;
  clientKeyData?: string;
  exec?: ExecConfig;
  authProvider?: { name: string; config?: Record<string, string> };
  impersonate?: string;
  impersonateGroups?: string[];
}

interface ContextEntry {
  name: string;
  cluster: string;
  user: string;
  namespace?: string;
}

/** What the run talks to, resolved once; readers and writers both use exactly this. */
export interface Connection {
  /** "" for the in-cluster service account. */
  context: string;
  cluster: ClusterEntry;
  user: UserEntry;
  /** The context's namespace (kubectl's default namespace); it does not narrow kube-sweeper's scope. */
  namespace: string;
  /** Where it came from: the files read, or "in-cluster". */
  files: string[];
  missing: string[];
  inCluster: boolean;
}

interface Merged {
  clusters: Map<string, ClusterEntry>;
  users: Map<string, UserEntry>;
  contexts: Map<string, ContextEntry>;
  currentContext?: string;
}

const SERVICE_ACCOUNT = "/var/run/secrets/kubernetes.io/serviceaccount";

export function resolveConnection(options: KubeconfigOptions, serviceAccountDir = SERVICE_ACCOUNT): Connection {
  const { files, missing } = kubeconfigFiles(options);
  const merged: Merged = { clusters: new Map(), users: new Map(), contexts: new Map() };
  for (const file of files) mergeFile(merged, file);

  const contextName = options.context || merged.currentContext || "";
  if (!contextName && !options.cluster) {
    const inCluster = inClusterConnection(options.env, serviceAccountDir);
    if (inCluster) return checked(inCluster, options);
    const where =
      files.length > 0 ? `kubeconfig ${files.join(delimiter)} sets no current-context (use --context)` : options.env.KUBECONFIG ? `kubeconfig ${missing.join(delimiter)}: no such file` : "no kubeconfig (--kubeconfig, KUBECONFIG, ~/.kube/config)";
    throw new ClusterAccessError(`no cluster credentials: ${where} and not running in a cluster; use --snapshot FILE to plan from a dump`);
  }
  const context = contextName ? merged.contexts.get(contextName) : undefined;
  if (contextName && !context) {
    const have = [...merged.contexts.keys()].join(", ") || "none";
    throw new ClusterAccessError(options.context ? `context "${contextName}" does not exist (have: ${have})` : `current-context "${contextName}" is not defined in the kubeconfig (have: ${have})`);
  }
  const clusterName = options.cluster || context?.cluster || "";
  const cluster = merged.clusters.get(clusterName);
  if (!cluster) {
    throw new ClusterAccessError(options.cluster ? `cluster "${clusterName}" does not exist` : clusterName ? `context "${contextName}" names cluster "${clusterName}", which the kubeconfig does not define` : `context "${contextName}" names no cluster`);
  }
  const userName = options.user || context?.user || "";
  const user = merged.users.get(userName);
  if (options.user && !user) throw new ClusterAccessError(`user "${userName}" does not exist`);
  return checked({ context: contextName, cluster, user: user ?? { name: userName }, namespace: context?.namespace || "default", files, missing, inCluster: false }, options);
}

function kubeconfigFiles(options: KubeconfigOptions): { files: string[]; missing: string[] } {
  if (options.kubeconfig) {
    if (!isFile(options.kubeconfig)) throw new ClusterAccessError(`--kubeconfig ${options.kubeconfig}: no such file`);
    return { files: [options.kubeconfig], missing: [] };
  }
  const env = options.env.KUBECONFIG;
  const listed = env ? [...new Set(env.split(delimiter).filter(Boolean))] : [join(options.env.HOME || homedir(), ".kube", "config")];
  const files = listed.filter(isFile);
  return { files, missing: listed.filter((f) => !files.includes(f)) };
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function mergeFile(merged: Merged, file: string): void {
  let text: string;
  let doc: unknown;
  try {
    text = readFileSync(file, "utf8");
    doc = text.trim() === "" ? {} : parse(text);
  } catch (error) {
    throw new ClusterAccessError(`cannot load kubeconfig ${file}: ${oneLine(error)}`);
  }
  if (doc === null || doc === undefined) doc = {};
  if (typeof doc !== "object" || Array.isArray(doc)) throw new ClusterAccessError(`cannot load kubeconfig ${file}: not a kubeconfig (a mapping is expected)`);
  const root = doc as Record<string, unknown>;
  const base = dirname(resolve(file));
  const bad = (what: string) => new ClusterAccessError(`cannot load kubeconfig ${file}: ${what}`);
  const path = (value: unknown) => (typeof value === "string" && value !== "" ? (isAbsolute(value) ? value : join(base, value)) : undefined);

  const named = (key: "clusters" | "users" | "contexts", inner: string) => {
    const list = root[key] ?? [];
    if (!Array.isArray(list)) throw bad(`${key} is not a list`);
    const seen = new Set<string>();
    return list.map((item: unknown, i: number) => {
      const entry = item as Record<string, unknown> | null;
      if (!entry || typeof entry !== "object" || typeof entry.name !== "string" || entry.name === "") throw bad(`${key}[${i}] has no name`);
      if (seen.has(entry.name)) throw bad(`duplicate name "${entry.name}" in ${key}`);
      seen.add(entry.name);
      const body = entry[inner] ?? {};
      if (typeof body !== "object" || body === null || Array.isArray(body)) throw bad(`${key}[${i}].${inner} is not a mapping`);
      return { name: entry.name, body: body as Record<string, unknown> };
    });
  };
  const str = (value: unknown) => (typeof value === "string" && value !== "" ? value : undefined);

  for (const { name, body } of named("clusters", "cluster")) {
    if (merged.clusters.has(name)) continue;
    const extensions = Array.isArray(body.extensions) ? (body.extensions as { name?: unknown; extension?: unknown }[]) : [];
    merged.clusters.set(name, {
      name,
      server: str(body.server) ?? "",
      certificateAuthority: path(body["certificate-authority"]),
      certificateAuthorityData: str(body["certificate-authority-data"]),
      insecureSkipTlsVerify: body["insecure-skip-tls-verify"] === true,
      tlsServerName: str(body["tls-server-name"]),
      proxyUrl: str(body["proxy-url"]),
      execExtension: extensions.find((e) => e?.name === "client.authentication.k8s.io/exec")?.extension,
    });
  }
  for (const { name, body } of named("users", "user")) {
    if (merged.users.has(name)) continue;
    const exec = body.exec as Record<string, unknown> | undefined;
    const command = str(exec?.command);
    const provider = body["auth-provider"] as { name?: unknown; config?: unknown } | undefined;
    merged.users.set(name, {
      name,
      token: str(body.token),
      tokenFile: path(body.tokenFile),
      username: str(body.username),
      password: str(body.password),
      clientCertificate: path(body["client-certificate"]),
      clientCertificateData: str(body["client-certificate-data"]),
      clientKey: path(body["client-key"]),
      clientKeyData: str(body["client-key-data"]),
      exec: exec
        ? {
            // A command naming a path is relative to the kubeconfig; a bare name is looked up in PATH.
            command: command && command.includes(sep) ? path(command)! : (command ?? ""),
            args: Array.isArray(exec.args) ? exec.args.map(String) : [],
            env: Array.isArray(exec.env) ? (exec.env as { name?: unknown; value?: unknown }[]).map((e) => ({ name: String(e?.name ?? ""), value: String(e?.value ?? "") })) : [],
            apiVersion: str(exec.apiVersion) ?? "",
            installHint: str(exec.installHint),
            provideClusterInfo: exec.provideClusterInfo === true,
            interactiveMode: str(exec.interactiveMode),
          }
        : undefined,
      authProvider: provider && typeof provider.name === "string" ? { name: provider.name, config: (provider.config ?? {}) as Record<string, string> } : undefined,
      impersonate: str(body.as),
      impersonateGroups: Array.isArray(body["as-groups"]) ? body["as-groups"].map(String) : undefined,
    });
  }
  for (const { name, body } of named("contexts", "context")) {
    if (merged.contexts.has(name)) continue;
    merged.contexts.set(name, { name, cluster: str(body.cluster) ?? "", user: str(body.user) ?? "", namespace: str(body.namespace) });
  }
  merged.currentContext ||= str(root["current-context"]);
}

/** The service account a pod is given, as client-go's InClusterConfig reads it. */
function inClusterConnection(env: NodeJS.ProcessEnv, dir: string): Connection | undefined {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port || !isFile(join(dir, "token"))) return undefined;
  let namespace = env.POD_NAMESPACE || "";
  if (!namespace) {
    try {
      namespace = readFileSync(join(dir, "namespace"), "utf8").trim();
    } catch {
      // no namespace file: kubectl says "default" too
    }
  }
  return {
    context: "",
    cluster: { name: "in-cluster", server: `https://${host.includes(":") ? `[${host}]` : host}:${port}`, certificateAuthority: join(dir, "ca.crt"), insecureSkipTlsVerify: false },
    user: { name: "service-account", tokenFile: join(dir, "token") },
    namespace: namespace || "default",
    files: [],
    missing: [],
    inCluster: true,
  };
}

/** kubectl's validation of the selected cluster and user, and kube-sweeper's own TLS rule. */
function checked(connection: Connection, options: KubeconfigOptions): Connection {
  const { cluster, user } = connection;
  const fail = (message: string) => {
    throw new ClusterAccessError(message);
  };
  if (!cluster.server) fail(`kubeconfig cluster "${cluster.name}" has no server`);
  try {
    new URL(cluster.server);
  } catch {
    fail(`kubeconfig cluster "${cluster.name}": server ${JSON.stringify(cluster.server)} is not a URL`);
  }
  if (cluster.certificateAuthority && cluster.certificateAuthorityData) fail(`kubeconfig cluster "${cluster.name}" sets both certificate-authority and certificate-authority-data`);
  if (cluster.proxyUrl && !/^(https?|socks5):\/\/[^/]/.test(cluster.proxyUrl)) fail(`kubeconfig cluster "${cluster.name}": proxy-url ${JSON.stringify(cluster.proxyUrl)} is not an http, https or socks5 URL`);
  // No proxy-url: the environment's proxy, as kubectl (client-go) takes it.
  const fromEnv = cluster.proxyUrl ? undefined : proxyFromEnvironment(cluster.server, options.env);
  if (fromEnv && !/^(https?|socks5):\/\/[^/]/.test(fromEnv.url)) fail(`${fromEnv.variable} ${JSON.stringify(fromEnv.url.replace(/\/\/[^@/]*@/, "//***@"))} is not an http, https or socks5 URL`);
  if (fromEnv) connection.cluster = { ...connection.cluster, proxyUrl: fromEnv.url, proxyFrom: fromEnv.variable };
  if (user.clientCertificate && user.clientCertificateData) fail(`kubeconfig user "${user.name}" sets both client-certificate and client-certificate-data`);
  if (user.clientKey && user.clientKeyData) fail(`kubeconfig user "${user.name}" sets both client-key and client-key-data`);
  if ((user.token || user.tokenFile) && (user.username || user.password)) fail(`kubeconfig user "${user.name}" sets more than one authentication method (token and basic auth)`);
  if (user.exec && !user.exec.command) fail(`kubeconfig user "${user.name}": exec has no command`);
  if (user.exec && !user.exec.apiVersion) fail(`kubeconfig user "${user.name}": exec has no apiVersion`);
  if (user.exec && user.authProvider) fail(`kubeconfig user "${user.name}" sets both exec and auth-provider`);
  if (cluster.insecureSkipTlsVerify && !options.insecure) {
    fail(`kubeconfig cluster "${cluster.name}" sets insecure-skip-tls-verify; kube-sweeper verifies TLS unless --insecure-skip-tls-verify is given`);
  }
  if (cluster.server.startsWith("http:") && !options.insecure) fail(`kubeconfig cluster "${cluster.name}": server ${cluster.server} is plain HTTP; kube-sweeper only talks to one over HTTPS (or with --insecure-skip-tls-verify)`);
  // As kubectl's --insecure-skip-tls-verify: no CA then.
  if (options.insecure) connection.cluster = { ...connection.cluster, insecureSkipTlsVerify: true, certificateAuthority: undefined, certificateAuthorityData: undefined };
  connection.cluster.server = connection.cluster.server.replace(/\/+$/, "");
  return connection;
}

/** The one line every run that talks to a cluster prints (stderr), naming what it talks to. */
export function describeConnection(c: Connection): string {
  if (c.inCluster) return `using the in-cluster service account at ${c.cluster.server}`;
  return `using context "${c.context}" (cluster "${c.cluster.name}", user "${c.user.name}") at ${c.cluster.server}`;
}

/** The rest of the resolution, for --log-level debug. */
export function describeDetails(c: Connection): string {
  const parts = [
    c.inCluster ? "source in-cluster" : `files ${c.files.join(delimiter)}${c.missing.length ? ` (skipped, missing: ${c.missing.join(delimiter)})` : ""}`,
    `namespace ${c.namespace} (not a scope: use -n)`,
    c.cluster.tlsServerName ? `tls-server-name ${c.cluster.tlsServerName}` : "",
    c.cluster.proxyUrl ? `${c.cluster.proxyFrom ? `proxy from ${c.cluster.proxyFrom}` : "proxy-url"} ${c.cluster.proxyUrl.replace(/\/\/[^@/]*@/, "//***@")}` : "",
    `credentials ${credentialKind(c.user)}`,
  ];
  return `kubeconfig: ${parts.filter(Boolean).join("; ")}`;
}

function credentialKind(user: UserEntry): string {
  const kinds = [
    user.tokenFile ? `token file ${user.tokenFile}` : user.token ? "token" : "",
    user.username ? "basic auth" : "",
    user.clientCertificate || user.clientCertificateData ? "client certificate" : "",
    user.exec ? `exec plugin ${user.exec.command}` : "",
    user.authProvider ? `auth-provider ${user.authProvider.name}` : "",
    user.impersonate ? `impersonating ${user.impersonate}` : "",
  ].filter(Boolean);
  return kinds.join(", ") || "none";
}

export function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0]!.trim();
}

// What every command shares: options, I/O, the config, the view of the cluster.
import { existsSync, readFileSync } from "node:fs";
import type { KubeConfig } from "@kubernetes/client-node";
import { loadConfig, type LoadedConfig } from "../config/load.ts";
import { settingsWarnings, type Config } from "../config/schema.ts";
import { namespacePoliciesOf, podPoliciesOf } from "../plan/collect.ts";
import { targetModules } from "../policies/targets.ts";
import { parseInstant } from "../core/clock.ts";
import { parseDuration } from "../core/duration.ts";
import { createLogger, type Logger, type LogLevel } from "../core/log.ts";
import { ClusterAccessError, UsageError } from "../errors.ts";
import { jsonClient, type JsonClient } from "../cluster/http.ts";
import { apiPolicy, DEFAULT_CHUNK_SIZE, MAX_CHUNK_SIZE, type ApiPolicy } from "../cluster/api-policy.ts";
import { DEFAULT_RETRY } from "../core/retry.ts";
import { overMaximum } from "../config/maxima.ts";
import { describeConnection, describeDetails, oneLine, resolveConnection, type Connection } from "../cluster/kubeconfig.ts";
import { credentialsFor } from "../cluster/kubeconfig-credentials.ts";
import { writerKubeConfig } from "../cluster/kubeconfig-writer.ts";
import { readLiveView } from "../cluster/live.ts";
import { readSnapshot } from "../cluster/snapshot.ts";
import type { ClusterView, ReadScope } from "../cluster/view.ts";
import type { ProtectionContext } from "../plan/protections.ts";
import type { OutputFormat } from "../report/formats.ts";

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  /** How the user typed the command (`kubectl sweeper` through the kubectl plugin); default kube-sweeper. */
  programName?: string;
  /** Set with --log-format json: how a fatal error is written (one JSON line). */
  fatal?: (line: string, fields?: Record<string, unknown>) => void;
}

export interface GlobalOptions {
  config?: string;
  kubeconfig?: string;
  context?: string;
  cluster?: string;
  user?: string;
  namespace?: string[];
  output?: OutputFormat;
  snapshot?: string;
  logFormat: "text" | "json";
  logLevel: LogLevel;
  requestTimeout: string;
  qps: string;
  burst: string;
  retries: string;
  chunkSize: string;
  insecureSkipTlsVerify?: boolean;
  now?: string;
}

export function makeLogger(options: GlobalOptions, io: Io): Logger {
  return createLogger(options.logFormat, options.logLevel, io.stderr);
}

export function outputFormat(options: GlobalOptions, io: Io): OutputFormat {
  return options.output ?? (io.stdoutIsTTY ? "table" : "json");
}

/** The run's one reading of the clock (`--now` pins it, for reproducible plans). */
export function runClock(options: GlobalOptions): number {
  if (options.now === undefined) return Date.now();
  const pinned = parseInstant(options.now);
  if (pinned === undefined) throw new UsageError(`--now ${JSON.stringify(options.now)} is not an RFC 3339 time`);
  return pinned;
}

export function readConfig(options: GlobalOptions, io: Io, log: Logger): LoadedConfig {
  const loaded = loadConfig({ explicitPath: options.config, env: io.env, fileExists: existsSync });
  for (const warning of [...loaded.warnings, ...settingsWarnings(loaded.config.settings)]) log.warn(warning);
  return loaded;
}

export function durationFlag(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  try {
    return parseDuration(value);
  } catch (error) {
    throw new UsageError(`${flag}: ${(error as Error).message}`);
  }
}

/** What to read, from -n and from what the policies need. */
export function readScope(config: Config, namespacesFlag: string[] | undefined): ReadScope {
  const pods = podPoliciesOf(config);
  const sidecars = config.policies.filter((p) => p.target === "sidecars");
  const namespacePolicies = namespacePoliciesOf(config);
  const managers = config.settings.namespaceManagers;
  const countingPods = namespacePolicies.filter((p) => p.when.podsSucceeded);
  // Whose pods must be read: every pod policy's, and every namespace policy's that counts pods.
  const podReaders = [...pods.map((p) => p.match.namespaces), ...sidecars.map((p) => p.match.namespaces), ...countingPods.map((p) => p.match.namespaces)];
  const policyNamespaces = !managers && podReaders.every((n) => n !== undefined) ? [...new Set(podReaders.flatMap((n) => n!))] : undefined;
  const flag = namespacesFlag?.length ? [...new Set(namespacesFlag)] : undefined;
  const namespaces = flag && policyNamespaces ? flag.filter((ns) => policyNamespaces.includes(ns)) : (flag ?? policyNamespaces);
  const phases = countingPods.length === 0 && sidecars.length === 0 && !managers && pods.every((p) => p.when.phases) ? new Set(pods.flatMap((p) => p.when.phases!)) : undefined;
  return {
    namespaces: namespaces?.sort(),
    readPods: pods.length > 0 || sidecars.length > 0 || countingPods.length > 0 || managers,
    needNodes: pods.some((p) => p.when.nodeUnhealthyFor !== undefined),
    needNamespaces:
      [...pods, ...sidecars].some((p) => p.match.namespaceSelector !== undefined) ||
      namespacePolicies.length > 0 ||
      managers ||
      targetModules().some((m) => {
        const policies = m.policiesOf(config);
        return policies.length > 0 && m.readScope(policies).namespaces;
      }),
    namespaceManagers: managers,
    needPriorityClasses: [config.settings.safetyFilters, ...pods.map((p) => p.safetyFilters)].some((f) => f?.priorityThreshold?.className !== undefined),
    podFieldSelector: phases?.size === 1 ? `status.phase=${[...phases][0]}` : undefined,
  };
}

export interface Cluster {
  /** The whole client's KubeConfig, loaded on first use: only writes need it. */
  writerConfig: () => Promise<KubeConfig>;
  client: JsonClient;
  api: ApiPolicy;
  connection: Connection;
}

function numberFlag(flag: string, value: string): number {
  if (!/^\d+(\.\d+)?$/.test(value)) throw new UsageError(`${flag}: expected a number >= 0, got ${JSON.stringify(value)}`);
  return Number(value);
}

function chunkSize(value: string | undefined): number {
  if (value === undefined) return DEFAULT_CHUNK_SIZE;
  const n = numberFlag("--chunk-size", value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_CHUNK_SIZE) throw new UsageError(`--chunk-size: expected a whole number from 1 to ${MAX_CHUNK_SIZE}, got ${JSON.stringify(value)}`);
  return n;
}

export async function connect(options: GlobalOptions, io: Io, log: Logger): Promise<Cluster> {
  const timeoutMs = durationFlag("--request-timeout", options.requestTimeout)!;
  if (timeoutMs <= 0) throw new UsageError("--request-timeout: must be more than 0");
  const tooLong = overMaximum("requestTimeout", timeoutMs);
  if (tooLong) throw new UsageError(`--request-timeout: ${tooLong}`);
  const qps = numberFlag("--qps", options.qps);
  const burst = numberFlag("--burst", options.burst);
  const connection = resolveConnection({ kubeconfig: options.kubeconfig, context: options.context, cluster: options.cluster, user: options.user, env: io.env, insecure: options.insecureSkipTlsVerify === true });
  // Said once, before the first request: which cluster this run talks to.
  log.info(describeConnection(connection));
  log.debug(describeDetails(connection));
  if (options.insecureSkipTlsVerify) log.warn("TLS verification is off (--insecure-skip-tls-verify): the API server's identity is not checked");
  const retries = numberFlag("--retries", options.retries);
  const api = apiPolicy({ timeoutMs, qps, burst: Math.max(1, Math.floor(burst)), retry: { ...DEFAULT_RETRY, attempts: Math.floor(retries) + 1 } }, log);
  try {
    // One set of credentials for reads and writes, refreshed as they expire.
    const credentials = credentialsFor(connection);
    let writerConfig: Promise<KubeConfig> | undefined;
    return { writerConfig: () => (writerConfig ??= writerKubeConfig(connection, credentials)), client: await jsonClient(connection, credentials, api), api, connection };
  } catch (error) {
    // Credentials the kubeconfig names but that cannot be used (unreadable files).
    throw new ClusterAccessError(`cannot use kubeconfig credentials: ${oneLine(error)}`);
  }
}

export async function openView(options: GlobalOptions, scope: ReadScope, io: Io, log: Logger, cluster: Cluster | undefined): Promise<ClusterView> {
  // Checked with a snapshot too: a bad flag is said, never ignored.
  const podPageLimit = chunkSize(options.chunkSize);
  if (options.snapshot) return readSnapshot(options.snapshot, scope);
  return readLiveView({ client: cluster!.client, scope, log, podPageLimit });
}

const IN_CLUSTER_NAMESPACE = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";

/**
 * The sweeper's own pod: its name from the downward API (POD_NAME) or, in a cluster, the hostname;
 * its namespace from POD_NAMESPACE or the service account's namespace file. A name whose namespace
 * cannot be found is protected in every namespace: the protection is never silently dropped.
 */
export function selfPod(env: NodeJS.ProcessEnv, namespaceFile = IN_CLUSTER_NAMESPACE): ProtectionContext["self"] {
  const name = env.POD_NAME || (env.KUBERNETES_SERVICE_HOST ? env.HOSTNAME : undefined);
  if (!name) return undefined;
  return { name, namespace: env.POD_NAMESPACE || readNamespaceFile(namespaceFile) };
}

function readNamespaceFile(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}

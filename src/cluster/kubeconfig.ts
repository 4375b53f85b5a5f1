// Finding cluster credentials. The client's loadFromDefault() silently targets
// http://localhost:8080 when it finds nothing; we look ourselves and refuse instead.
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import type { KubeConfig } from "@kubernetes/client-node";
import { ClusterAccessError } from "../errors.ts";

export interface KubeConfigOptions {
  kubeconfig?: string | undefined;
  context?: string | undefined;
  env: NodeJS.ProcessEnv;
  /** --insecure-skip-tls-verify: the only way TLS verification is turned off. */
  insecure?: boolean;
}

const SERVICE_ACCOUNT_TOKEN = "/var/run/secrets/kubernetes.io/serviceaccount/token";

/**
 * `forWrites: false` loads the light KubeConfig (all that reads need: credentials); `true` the one
 * of the whole client, whose API classes writers use. Both load the same files the same way.
 */
export async function loadKubeConfig(options: KubeConfigOptions, forWrites = false): Promise<KubeConfig> {
  const { KubeConfig } = forWrites ? await import("@kubernetes/client-node") : await import("./kubeconfig-class.ts");
  const kc = new KubeConfig();
  const files = options.kubeconfig ? [options.kubeconfig] : kubeconfigFiles(options.env);
  try {
    if (files.length > 0) {
      const readable = files.filter((f) => existsSync(f));
      if (readable.length === 0) throw new ClusterAccessError(`kubeconfig ${files.join(delimiter)}: no such file`);
      if (options.kubeconfig) kc.loadFromFile(options.kubeconfig);
      else kc.loadFromDefault();
    } else if (options.env.KUBERNETES_SERVICE_HOST && existsSync(SERVICE_ACCOUNT_TOKEN)) {
      kc.loadFromCluster();
    } else {
      throw new ClusterAccessError(
        "no cluster credentials: no kubeconfig (--kubeconfig, KUBECONFIG, ~/.kube/config) and not running in a cluster; use --snapshot FILE to plan from a dump",
      );
    }
  } catch (error) {
    if (error instanceof ClusterAccessError) throw error;
    throw new ClusterAccessError(`cannot load kubeconfig ${files.join(delimiter)}: ${oneLine(error)}`);
  }
  if (options.context) {
    if (!kc.getContextObject(options.context)) {
      throw new ClusterAccessError(`context "${options.context}" not found in kubeconfig (have: ${kc.getContexts().map((c) => c.name).join(", ") || "none"})`);
    }
    kc.setCurrentContext(options.context);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster?.server) throw new ClusterAccessError("kubeconfig has no current cluster with a server address (set current-context or use --context)");
  if (cluster.skipTLSVerify && !options.insecure) {
    throw new ClusterAccessError(`kubeconfig cluster "${cluster.name}" sets insecure-skip-tls-verify; kube-sweeper verifies TLS unless --insecure-skip-tls-verify is given`);
  }
  // The client reads this field for its own requests; the plain JSON reads take it from applyToHTTPSOptions.
  if (options.insecure) (cluster as { skipTLSVerify: boolean }).skipTLSVerify = true;
  return kc;
}

function kubeconfigFiles(env: NodeJS.ProcessEnv): string[] {
  if (env.KUBECONFIG) return env.KUBECONFIG.split(delimiter).filter(Boolean);
  const home = env.HOME ?? homedir();
  const file = join(home, ".kube", "config");
  return existsSync(file) ? [file] : [];
}

export function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0]!.trim();
}

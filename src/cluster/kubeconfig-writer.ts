// The client library's KubeConfig for writers, made from the connection the run resolved (never
// from the library's own loadFromDefault, which merges KUBECONFIG differently from kubectl), with
// an authenticator that asks the run's shared credentials before every request.
import type { KubeConfig } from "@kubernetes/client-node";
import type { Connection } from "./kubeconfig.ts";
import type { Credentials } from "./kubeconfig-credentials.ts";
import { serverTls } from "./kubeconfig-transport.ts";

const AUTH_PROVIDER = "kube-sweeper-credentials";

export async function writerKubeConfig(connection: Connection, credentials: Credentials): Promise<KubeConfig> {
  const { KubeConfig } = await import("@kubernetes/client-node");
  const kc = new KubeConfig();
  const { cluster, user } = connection;
  const ca = serverTls(cluster).ca;
  kc.loadFromOptions({
    clusters: [
      {
        name: cluster.name,
        server: cluster.server,
        caData: ca?.toString("base64"),
        skipTLSVerify: cluster.insecureSkipTlsVerify,
        tlsServerName: cluster.tlsServerName,
        proxyUrl: cluster.proxyUrl,
      },
    ],
    // No credentials of its own: the authenticator below supplies them all, so the library's
    // token, exec and token-file handling never run.
    users: [{ name: user.name || "user", authProvider: { name: AUTH_PROVIDER, config: {} } }],
    contexts: [{ name: "selected", cluster: cluster.name, user: user.name || "user" }],
    currentContext: "selected",
  });
  kc.addAuthenticator({
    isAuthProvider: (u) => u?.authProvider?.name === AUTH_PROVIDER,
    applyAuthentication: async (_u, opts) => {
      const credential = await credentials.current();
      opts.headers = { ...(opts.headers as Record<string, string> | undefined), ...(credential.headers as Record<string, string>) };
      if (credential.cert) opts.cert = credential.cert;
      if (credential.key) opts.key = credential.key;
    },
  });
  return kc;
}

// Registry credentials for a workload, as the kubelet would find them: the pod template's
// imagePullSecrets, else those of its service account ("default" if unnamed). Each object is
// read once per run. Only used with settings.registryAuth (reading Secrets is extra RBAC).
import type { Logger } from "../core/log.ts";
import { list, text } from "../core/shape.ts";
import { ApiError } from "../cluster/api-error.ts";
import type { JsonClient } from "../cluster/http.ts";
import { credentialsFromSecret, type Credential } from "../registry/credentials.ts";
import type { ImageUse } from "./workloads.ts";

export function pullSecretResolver(client: JsonClient, log: Logger): (use: ImageUse, registry: string) => Promise<Credential | undefined> {
  const cache = new Map<string, Promise<unknown>>();
  const warned = new Set<string>();
  const get = (path: string) => {
    let pending = cache.get(path);
    if (!pending) {
      pending = client.getJson(path).catch((error: unknown) => {
        const code = error instanceof ApiError ? error.code : 0;
        if (!warned.has(path)) {
          warned.add(path);
          log.warn(`registryAuth: cannot read ${path} (${code === 404 ? "not found" : code === 403 ? "forbidden" : (error as Error).message}); checking without its credentials`);
        }
        return undefined;
      });
      cache.set(path, pending);
    }
    return pending;
  };
  return async (use, registry) => {
    const ns = encodeURIComponent(use.workload.namespace);
    let names = list(use.workload.spec.imagePullSecrets).map((s) => text(s?.name)).filter((n): n is string => !!n);
    if (names.length === 0) {
      const sa = text(use.workload.spec.serviceAccountName) || "default";
      const account = (await get(`/api/v1/namespaces/${ns}/serviceaccounts/${encodeURIComponent(sa)}`)) as { imagePullSecrets?: { name?: string }[] } | undefined;
      names = list(account?.imagePullSecrets).map((s) => text(s?.name)).filter((n): n is string => !!n);
    }
    for (const name of names) {
      const secret = (await get(`/api/v1/namespaces/${ns}/secrets/${encodeURIComponent(name)}`)) as { type?: string; data?: Record<string, string> } | undefined;
      const found = credentialsFromSecret(secret).get(registry);
      if (found) return found;
    }
    return undefined;
  };
}

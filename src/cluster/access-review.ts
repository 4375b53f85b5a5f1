// Before the first write: ask the API server (SelfSubjectAccessReview) whether this identity may do
// everything the config's actions need, so a missing permission stops the run with nothing done
// rather than halfway through.
import type { AuthorizationV1Api, KubeConfig } from "@kubernetes/client-node";
import type { Permission } from "../deploy/permissions.ts";
import { callOptions } from "./client-options.ts";
import type { ApiPolicy } from "./api-policy.ts";

export interface Denied {
  permission: Permission;
  namespace: string | undefined;
}

export async function missingPermissions(kc: KubeConfig, checks: { permission: Permission; namespace: string | undefined }[], api: ApiPolicy): Promise<Denied[]> {
  const lib = await import("@kubernetes/client-node");
  const reviews: AuthorizationV1Api = kc.makeApiClient(lib.AuthorizationV1Api);
  const denied: Denied[] = [];
  for (const { permission, namespace } of checks) {
    const [resource, subresource] = permission.resource.split("/");
    // A review changes nothing: safe to repeat.
    const review = await api.retrying("SelfSubjectAccessReview", () =>
      reviews.createSelfSubjectAccessReview(
        { body: { spec: { resourceAttributes: { group: permission.group, resource, subresource, verb: permission.verb, namespace } } } },
        callOptions(lib.Observable, api),
      ),
    );
    if (!review.status?.allowed) denied.push({ permission, namespace });
  }
  return denied;
}

export function describeDenied(d: Denied): string {
  // "create events (events.k8s.io)": the API group in brackets, as a reader would say it.
  const group = d.permission.group ? ` (${d.permission.group})` : "";
  return `${d.permission.verb} ${d.permission.resource}${group}${d.namespace ? ` in namespace ${d.namespace}` : " (cluster-wide)"} (${d.permission.why})`;
}

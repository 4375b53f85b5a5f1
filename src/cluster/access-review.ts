// Before the first write: ask the API server (SelfSubjectAccessReview) whether this identity may do
// everything the config's actions need, so a missing permission stops the run with nothing done
// rather than halfway through.
import type { Permission } from "../deploy/permissions.ts";
import type { ApiPolicy } from "./api-policy.ts";
import type { JsonClient } from "./http.ts";
import { mapBounded } from "../core/concurrency.ts";

/** Reviews asked at once: a distant server answers a few hundred of them in a few round trips. */
const REVIEWS_IN_FLIGHT = 8;

export interface Denied {
  permission: Permission;
  namespace: string | undefined;
}

export async function missingPermissions(client: JsonClient, checks: { permission: Permission; namespace: string | undefined }[], api: ApiPolicy): Promise<Denied[]> {
  const allowed = await mapBounded(checks, REVIEWS_IN_FLIGHT, async ({ permission, namespace }) => {
    const [resource, subresource] = permission.resource.split("/");
    // A review changes nothing: safe to repeat.
    const review = await api.retrying("SelfSubjectAccessReview", () =>
      client.send<{ status?: { allowed?: boolean } }>("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", {
        body: { apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectAccessReview", spec: { resourceAttributes: { group: permission.group, resource, subresource, verb: permission.verb, namespace } } },
      }),
    );
    return review.status?.allowed === true;
  });
  return checks.filter((_, i) => !allowed[i]);
}

export function describeDenied(d: Denied): string {
  // "create events (events.k8s.io)": the API group in brackets, as a reader would say it.
  const group = d.permission.group ? ` (${d.permission.group})` : "";
  return `${d.permission.verb} ${d.permission.resource}${group}${d.namespace ? ` in namespace ${d.namespace}` : " (cluster-wide)"} (${d.permission.why})`;
}

import type { ResourceCheck } from "../context.ts";
import { REFERENCED_KINDS, type ReferencedKind } from "../references.ts";

/**
 * A ConfigMap, Secret, PersistentVolumeClaim or ServiceAccount that no pod and no pod template
 * in its namespace refers to (see references.ts for every path looked at).
 */
export const unused: ResourceCheck<boolean> = (obj, enabled, ctx) => {
  if (!enabled) return { holds: false, reason: "unused: false" };
  const resource = obj.kind.resource as ReferencedKind;
  if (obj.kind.group !== "" || !REFERENCED_KINDS.includes(resource)) {
    return { holds: false, reason: `unused applies to ConfigMaps, Secrets, PersistentVolumeClaims and ServiceAccounts, not ${obj.kind.kind}` };
  }
  if (!ctx.references) return { holds: false, reason: "pods and pod templates not read: cannot tell" };
  const used = ctx.references.uses(resource, obj.namespace, obj.name);
  return { holds: !used, reason: used ? `${obj.kind.kind} referenced by a pod or pod template in ${obj.namespace}` : `${obj.kind.kind} referenced by no pod or pod template in ${obj.namespace}` };
};

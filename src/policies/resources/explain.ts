// `explain KIND/NAMESPACE/NAME` (KIND//NAME if cluster-scoped): every resource policy judged on
// the object collect kept for it.
import { UsageError } from "../../errors.ts";
import { blockersOf } from "../../plan/choose.ts";
import type { TargetExplanation, TargetFind } from "../target.ts";
import type { ResourceCollected } from "./collect.ts";
import { resourceProtectionsFor } from "./protections.ts";

// deployments.apps/apps/web, configmap/apps/settings, clusterroles.rbac.authorization.k8s.io//name
export function parseResourceTarget(parts: string[]): TargetFind | undefined {
  return parts.length === 3 && parts[0] && parts[2] ? { kind: parts[0], namespace: parts[1]!, name: parts[2] } : undefined;
}

export function explainResource(collected: ResourceCollected | undefined, target: TargetFind, now: number): TargetExplanation {
  const found = collected?.found;
  const label = `${target.kind} ${target.namespace ? `${target.namespace}/` : ""}${target.name}`;
  if (!found) {
    if (!collected) throw new UsageError(`${label}: the config has no resource policies`);
    throw new UsageError(`${label} not found among the kinds the resource policies read`);
  }
  const { obj, evaluations, protections } = found;
  return {
    target: { kind: obj.kind.kind, ...(obj.namespace ? { namespace: obj.namespace } : {}), name: obj.name, uid: obj.uid },
    policies: evaluations.map((e) => ({
      name: e.policy.name,
      action: e.policy.action.kind,
      matched: e.matched,
      match: e.match,
      conditions: e.conditions,
      heldBackBy: e.error ? [`${e.error}: not acted on`] : e.matched ? blockersOf(resourceProtectionsFor(protections, e.policy.ignoreProtections).map((p) => p.reason), e.policy.schedule, now) : [],
    })),
    protections: protections.map((p) => ({ reason: p.reason, ...(p.optOut ? { canBeIgnoredWith: `ignoreProtections: [${p.optOut}]` } : {}) })),
  };
}

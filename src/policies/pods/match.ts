// A policy's `match` block: which pods it looks at. Each selector is a check with a reason,
// so `explain` can show exactly which one excluded a pod.
import type { Match } from "../../config/schema.ts";
import type { Pod } from "../../core/k8s.ts";
import { controllerOf } from "../../core/pod-facts.ts";
import { matchesSelector } from "../../core/selector.ts";
import type { EvaluationContext, Verdict } from "../verdict.ts";

export interface NamedVerdict extends Verdict {
  check: string;
}

export function matchChecks(pod: Pod, match: Match, ctx: EvaluationContext): NamedVerdict[] {
  const namespace = pod.metadata?.namespace ?? "";
  const name = pod.metadata?.name ?? "";
  const out: NamedVerdict[] = [];
  if (match.namespaces) {
    const holds = match.namespaces.includes(namespace);
    out.push({ check: "namespaces", holds, reason: `namespace ${namespace} ${holds ? "in" : "not in"} [${match.namespaces.join(", ")}]` });
  }
  if (match.excludeNamespaces) {
    const excluded = match.excludeNamespaces.includes(namespace);
    out.push({ check: "excludeNamespaces", holds: !excluded, reason: `namespace ${namespace} ${excluded ? "is excluded" : "not excluded"}` });
  }
  if (match.namespaceSelector) {
    const info = ctx.namespaces?.get(namespace);
    const holds = info !== undefined && matchesSelector(match.namespaceSelector.requirements, info.labels);
    const reason = info === undefined ? `namespace ${namespace}: labels not known` : `namespace labels ${holds ? "match" : "do not match"} "${match.namespaceSelector.text}"`;
    out.push({ check: "namespaceSelector", holds, reason });
  }
  if (match.selector) {
    const holds = matchesSelector(match.selector.requirements, pod.metadata?.labels);
    out.push({ check: "selector", holds, reason: `labels ${holds ? "match" : "do not match"} "${match.selector.text}"` });
  }
  if (match.name) {
    const holds = match.name.test(name);
    out.push({ check: "name", holds, reason: `name ${name} ${holds ? "matches" : "does not match"} /${match.name.source}/` });
  }
  if (match.ownerKinds || match.excludeOwnerKinds) {
    const kind = controllerOf(pod)?.kind ?? "(none)";
    if (match.ownerKinds) {
      const holds = match.ownerKinds.includes(kind);
      out.push({ check: "ownerKinds", holds, reason: `owner kind ${kind} ${holds ? "in" : "not in"} [${match.ownerKinds.join(", ")}]` });
    }
    if (match.excludeOwnerKinds) {
      const excluded = match.excludeOwnerKinds.includes(kind);
      out.push({ check: "excludeOwnerKinds", holds: !excluded, reason: `owner kind ${kind} ${excluded ? "is excluded" : "not excluded"}` });
    }
  }
  return out;
}

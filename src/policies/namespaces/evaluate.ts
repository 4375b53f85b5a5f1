// namespace policies x namespace -> verdicts. Pure.
import type { NamespaceConditions, NamespaceMatch, NamespacePolicy } from "../../config/schema.ts";
import { matchesSelector } from "../../core/selector.ts";
import type { NamedVerdict } from "../pods/match.ts";
import { unknownAge, type NamespaceInfo, type Verdict } from "../verdict.ts";
import { namespaceConditions } from "./conditions/index.ts";
import type { NamespaceContext } from "./context.ts";

export const DONE_ANNOTATION_PREFIX = "kube-sweeper.io/done.";

export interface NamespaceEvaluation {
  policy: NamespacePolicy;
  match: NamedVerdict[];
  conditions: NamedVerdict[];
  /** Set when the policy already acted on this namespace (once-only). */
  done: string | undefined;
  matched: boolean;
}

export function namespaceInScope(ns: NamespaceInfo, match: NamespaceMatch): NamedVerdict[] {
  const out: NamedVerdict[] = [];
  if (match.namespaces) {
    const holds = match.namespaces.includes(ns.name);
    out.push({ check: "namespaces", holds, reason: `namespace ${ns.name} ${holds ? "in" : "not in"} [${match.namespaces.join(", ")}]` });
  }
  if (match.excludeNamespaces) {
    const excluded = match.excludeNamespaces.includes(ns.name);
    out.push({ check: "excludeNamespaces", holds: !excluded, reason: `namespace ${ns.name} ${excluded ? "is excluded" : "not excluded"}` });
  }
  if (match.namespaceSelector) {
    const holds = matchesSelector(match.namespaceSelector.requirements, ns.labels);
    out.push({ check: "namespaceSelector", holds, reason: `labels ${holds ? "match" : "do not match"} "${match.namespaceSelector.text}"` });
  }
  if (match.name) {
    const holds = match.name.test(ns.name);
    out.push({ check: "name", holds, reason: `name ${ns.name} ${holds ? "matches" : "does not match"} /${match.name.source}/` });
  }
  return out;
}

type AnyCheck = (ns: NamespaceInfo, param: unknown, ctx: NamespaceContext, index: number) => Verdict;

export function evaluateNamespacePolicy(ns: NamespaceInfo, policy: NamespacePolicy, policyIndex: number, ctx: NamespaceContext, everyCondition = false): NamespaceEvaluation {
  const match = namespaceInScope(ns, policy.match);
  const inScope = match.every((m) => m.holds);
  const doneAt = ns.annotations[`${DONE_ANNOTATION_PREFIX}${policy.name}`];
  const conditions: NamedVerdict[] = [];
  if (inScope || everyCondition) {
    const age = unknownAge(ns.creationTimestamp, ctx.now);
    if (age) conditions.push(age);
    for (const key of Object.keys(policy.when) as (keyof NamespaceConditions)[]) {
      const param = policy.when[key];
      if (param === undefined) continue;
      conditions.push({ check: key, ...(namespaceConditions[key] as AnyCheck)(ns, param, ctx, policyIndex) });
    }
  }
  const done = doneAt === undefined ? undefined : `already done by this policy at ${doneAt} (once-only)`;
  const matched = inScope && done === undefined && conditions.length > 0 && conditions.every((c) => c.holds);
  return { policy, match, conditions, done, matched };
}

// resource policies x object -> verdicts. Pure: the clock, references and namespaces come in
// through the context.
import type { ResourceConditions, ResourcePolicy } from "../../config/schema.ts";
import { qualifiedName } from "../../cluster/discovery.ts";
import { matchesSelector } from "../../core/selector.ts";
import type { NamedVerdict } from "../pods/match.ts";
import type { Verdict } from "../verdict.ts";
import { resourceConditions } from "./conditions/index.ts";
import { ageProblem, type ResourceContext, type ResourceObject } from "./context.ts";

export interface ResourceEvaluation {
  policy: ResourcePolicy;
  match: NamedVerdict[];
  conditions: NamedVerdict[];
  matched: boolean;
  /** A condition that could not be judged (a CEL runtime error): the object is reported, not acted on. */
  error: string | undefined;
}

export function resourceMatch(obj: ResourceObject, policy: ResourcePolicy, ctx: ResourceContext): NamedVerdict[] {
  const m = policy.match;
  const out: NamedVerdict[] = [];
  const kinds = ctx.kindsByPolicy?.get(policy.name);
  if (kinds) {
    const holds = kinds.has(qualifiedName(obj.kind));
    out.push({ check: "kinds", holds, reason: `${qualifiedName(obj.kind)} ${holds ? "in" : "not in"} [${m.kinds.join(", ")}]` });
  }
  const scoped = m.namespaces || m.excludeNamespaces || m.namespaceSelector;
  if (scoped && !obj.kind.namespaced) {
    out.push({ check: "namespaces", holds: false, reason: `${obj.kind.kind} is cluster-scoped: a policy with namespace selectors matches only namespaced objects` });
    return out;
  }
  if (m.namespaces) {
    const holds = m.namespaces.includes(obj.namespace);
    out.push({ check: "namespaces", holds, reason: `namespace ${obj.namespace} ${holds ? "in" : "not in"} [${m.namespaces.join(", ")}]` });
  }
  if (m.excludeNamespaces) {
    const excluded = m.excludeNamespaces.includes(obj.namespace);
    out.push({ check: "excludeNamespaces", holds: !excluded, reason: `namespace ${obj.namespace} ${excluded ? "is excluded" : "not excluded"}` });
  }
  if (m.namespaceSelector) {
    const ns = ctx.namespaces?.get(obj.namespace);
    const holds = ns !== undefined && matchesSelector(m.namespaceSelector.requirements, ns.labels);
    out.push({ check: "namespaceSelector", holds, reason: ns ? `namespace labels ${holds ? "match" : "do not match"} "${m.namespaceSelector.text}"` : `namespace ${obj.namespace} not read` });
  }
  if (m.selector) {
    const holds = matchesSelector(m.selector.requirements, obj.labels);
    out.push({ check: "selector", holds, reason: `labels ${holds ? "match" : "do not match"} "${m.selector.text}"` });
  }
  if (m.name) {
    const holds = m.name.test(obj.name);
    out.push({ check: "name", holds, reason: `name ${obj.name} ${holds ? "matches" : "does not match"} /${m.name.source}/` });
  }
  return out;
}

type AnyCheck = (obj: ResourceObject, param: unknown, ctx: ResourceContext) => Verdict;

/** Conditions are skipped for objects outside the policy's scope unless `everyCondition` (explain). */
export function evaluateResourcePolicy(obj: ResourceObject, policy: ResourcePolicy, ctx: ResourceContext, everyCondition = false): ResourceEvaluation {
  const match = resourceMatch(obj, policy, ctx);
  const inScope = match.every((m) => m.holds);
  const conditions: NamedVerdict[] = [];
  if (inScope || everyCondition) {
    const problem = ageProblem(obj, ctx.now);
    for (const key of Object.keys(policy.when) as (keyof ResourceConditions)[]) {
      const param = policy.when[key];
      if (param === undefined) continue;
      conditions.push({ check: key, ...(problem ? { holds: false, reason: problem } : (resourceConditions[key] as AnyCheck)(obj, param, ctx)) });
    }
  }
  const failed = conditions.find((c) => c.error !== undefined);
  // An error only matters when it decides: every other condition held.
  const error = inScope && failed && conditions.every((c) => c.holds || c === failed) ? `when.${failed.check}: ${failed.error}` : undefined;
  const matched = inScope && conditions.length > 0 && conditions.every((c) => c.holds);
  return { policy, match, conditions, matched, error };
}

// policies x pod -> verdicts. Pure: the clock and cluster facts come in through the context.
import type { PodConditions, PodPolicy } from "../../config/schema.ts";
import type { Pod } from "../../core/k8s.ts";
import { unknownAge, type EvaluationContext, type Verdict } from "../verdict.ts";
import { podConditions } from "./conditions/index.ts";
import { matchChecks, type NamedVerdict } from "./match.ts";
import { effectiveFilters, safetyFilterProtections } from "../../plan/safety-filters.ts";
import type { Protection } from "../../plan/protections.ts";

export interface PolicyEvaluation {
  policy: PodPolicy;
  match: NamedVerdict[];
  conditions: NamedVerdict[];
  /** Every match check and every condition held. */
  matched: boolean;
  /**
   * A forced delete's node check (its nodeUnhealthyFor): not a condition that decides whether the
   * policy matches, but what allows the delete, so a pod it does not allow is skipped with the reason.
   */
  forceGate?: NamedVerdict;
  /** The policy's safety filters that hold for this pod. */
  filters: Protection[];
}

type AnyCheck = (pod: Pod, param: unknown, ctx: EvaluationContext) => Verdict;

/**
 * Conditions are skipped for pods outside the policy's scope (most pods, on big clusters)
 * unless `everyCondition` is set, as `explain` does to show all the numbers.
 */
export function evaluatePolicy(pod: Pod, policy: PodPolicy, ctx: EvaluationContext, everyCondition = false): PolicyEvaluation {
  const match = matchChecks(pod, policy.match, ctx);
  const inScope = match.every((m) => m.holds);
  const conditions: NamedVerdict[] = [];
  let forceGate: NamedVerdict | undefined;
  const forced = isForcedDelete(policy);
  if (inScope || everyCondition) {
    const age = unknownAge(pod.metadata?.creationTimestamp, ctx.now);
    if (age) conditions.push(age);
    for (const key of Object.keys(policy.when) as (keyof PodConditions)[]) {
      const param = policy.when[key];
      if (param === undefined) continue;
      const verdict = { check: key, ...(podConditions[key] as AnyCheck)(pod, param, ctx) };
      if (forced && key === "nodeUnhealthyFor") forceGate = verdict;
      else conditions.push(verdict);
    }
  }
  const matched = inScope && conditions.length > 0 && conditions.every((c) => c.holds);
  const filters = matched || everyCondition ? safetyFilterProtections(pod, effectiveFilters(ctx.safetyFilters, policy.safetyFilters), ctx.priorityClasses) : [];
  return { policy, match, conditions, matched, filters, ...(forceGate ? { forceGate } : {}) };
}

/** `{delete: {gracePeriodSeconds: 0}}`: the object is removed without waiting for the kubelet. */
export function isForcedDelete(policy: PodPolicy): boolean {
  return policy.action === "delete" && policy.gracePeriodSeconds === 0;
}

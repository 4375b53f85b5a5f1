// policies x pod -> verdicts. Pure: the clock and cluster facts come in through the context.
import type { PodConditions, PodPolicy } from "../../config/schema.ts";
import type { Pod } from "../../core/k8s.ts";
import { unknownAge, type EvaluationContext, type Verdict } from "../verdict.ts";
import { podConditions } from "./conditions/index.ts";
import { matchChecks, type NamedVerdict } from "./match.ts";

export interface PolicyEvaluation {
  policy: PodPolicy;
  match: NamedVerdict[];
  conditions: NamedVerdict[];
  /** Every match check and every condition held. */
  matched: boolean;
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
  if (inScope || everyCondition) {
    const age = unknownAge(pod.metadata?.creationTimestamp, ctx.now);
    if (age) conditions.push(age);
    for (const key of Object.keys(policy.when) as (keyof PodConditions)[]) {
      const param = policy.when[key];
      if (param === undefined) continue;
      conditions.push({ check: key, ...(podConditions[key] as AnyCheck)(pod, param, ctx) });
    }
  }
  const matched = inScope && conditions.length > 0 && conditions.every((c) => c.holds);
  return { policy, match, conditions, matched };
}

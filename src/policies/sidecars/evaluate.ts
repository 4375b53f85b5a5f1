import type { SidecarPolicy } from "../../config/schema.ts";
import type { Pod } from "../../core/k8s.ts";
import { matchChecks, type NamedVerdict } from "../pods/match.ts";
import { unknownAge, type EvaluationContext } from "../verdict.ts";
import { qualifySidecars } from "./qualify.ts";

export interface SidecarEvaluation {
  policy: SidecarPolicy;
  match: NamedVerdict[];
  conditions: NamedVerdict[];
  running: string[];
  matched: boolean;
}

export function evaluateSidecarPolicy(pod: Pod, policy: SidecarPolicy, ctx: EvaluationContext, everyCondition = false): SidecarEvaluation {
  const match = matchChecks(pod, policy.match, ctx);
  const inScope = match.every((m) => m.holds);
  if (!inScope && !everyCondition) return { policy, match, conditions: [], running: [], matched: false };
  const verdict = qualifySidecars(pod, policy, ctx.now);
  const age = unknownAge(pod.metadata?.creationTimestamp, ctx.now);
  return { policy, match, conditions: age ? [age, ...verdict.checks] : verdict.checks, running: verdict.running, matched: inScope && !age && verdict.matched };
}

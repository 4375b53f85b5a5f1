// One pod, every policy's verdict -> at most one candidate action.
import type { PodPolicy } from "../config/schema.ts";
import { scheduleWindow } from "../config/schedule.ts";
import type { Pod } from "../core/k8s.ts";
import { controllerOf, creationTime, podRef, totalRestarts } from "../core/pod-facts.ts";
import type { PolicyEvaluation } from "../policies/pods/evaluate.ts";
import { protectionsFor, type Protection } from "./protections.ts";
import type { Candidate } from "./types.ts";

export interface Eligibility {
  policy: PodPolicy;
  blockers: string[];
}

export function eligibility(evaluation: PolicyEvaluation, protections: Protection[], now: number): Eligibility {
  const policy = evaluation.policy;
  const blockers = protectionsFor(protections, policy.ignoreProtections).map((p) => `protected: ${p.reason}`);
  if (policy.schedule) {
    const window = scheduleWindow(policy.schedule, now);
    if (!window.open) blockers.push(window.reason);
  }
  return { policy, blockers };
}

/**
 * The first matching policy in config order that may act wins; the others are named in its
 * reasons. When every matching policy is held back, the first one's blockers are reported.
 */
export function chooseAction(pod: Pod, evaluations: PolicyEvaluation[], protections: Protection[], now: number): Candidate | undefined {
  const matched = evaluations.filter((e) => e.matched);
  if (matched.length === 0) return undefined;
  const verdicts = matched.map((e) => ({ evaluation: e, ...eligibility(e, protections, now) }));
  const winner = verdicts.find((v) => v.blockers.length === 0) ?? verdicts[0]!;
  const reasons = winner.evaluation.conditions.map((c) => c.reason);
  const others = matched.filter((e) => e !== winner.evaluation).map((e) => e.policy.name);
  if (others.length > 0) reasons.push(`first eligible policy in config order (also matched: ${others.join(", ")})`);
  const owner = controllerOf(pod);
  const candidate: Candidate = {
    target: podRef(pod),
    policy: winner.policy.name,
    action: winner.policy.action,
    reasons,
    created: creationTime(pod) ?? 0,
    restarts: totalRestarts(pod, true),
    owner: owner ? { kind: owner.kind ?? "?", name: owner.name ?? "?" } : undefined,
  };
  if (winner.blockers.length > 0) candidate.heldBack = winner.blockers.join("; ");
  return candidate;
}

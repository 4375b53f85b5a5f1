// One target, every policy's verdict -> at most one candidate action.
import type { PodPolicy, Schedule, SidecarPolicy } from "../config/schema.ts";
import type { SidecarEvaluation } from "../policies/sidecars/evaluate.ts";
import { scheduleWindow } from "../config/schedule.ts";
import type { Pod } from "../core/k8s.ts";
import { parseInstant } from "../core/clock.ts";
import { controllerOf, creationTime, podRef, totalRestarts } from "../core/pod-facts.ts";
import { isForcedDelete, type PolicyEvaluation } from "../policies/pods/evaluate.ts";
import { formatDuration } from "../core/duration.ts";
import type { NamespaceEvaluation } from "../policies/namespaces/evaluate.ts";
import type { NamespaceInfo } from "../policies/verdict.ts";
import { protectionsFor, type Protection } from "./protections.ts";
import type { ActionKind, Candidate } from "./types.ts";

export interface Contender {
  name: string;
  action: ActionKind;
  schedule: Schedule | undefined;
  reasons: string[];
  protections: string[];
  /** What else holds this policy back (a forced delete whose node is not down). */
  gate?: string[];
  gracePeriodSeconds?: number | undefined;
}

/** What holds a matching policy back: protections that still apply to it, and its schedule. */
export function blockersOf(protections: string[], schedule: Schedule | undefined, now: number, gate: string[] = []): string[] {
  const blockers = [...gate, ...protections.map((p) => `protected: ${p}`)];
  if (schedule) {
    const window = scheduleWindow(schedule, now);
    if (!window.open) blockers.push(window.reason);
  }
  return blockers;
}

export function podBlockers(policy: PodPolicy | SidecarPolicy, protections: Protection[], now: number, evaluation?: PolicyEvaluation | SidecarEvaluation): string[] {
  return blockersOf(podTargetProtections(policy, protections, evaluation).map((p) => p.reason), policy.schedule, now, forceGateBlockers(policy, evaluation));
}

/**
 * A forced delete skips the kubelet, so it is allowed only when the pod's node is gone or not
 * Ready for at least the policy's nodeUnhealthyFor: the rule Kubernetes' pod garbage collector
 * and the node.kubernetes.io/out-of-service taint follow. Otherwise the target is held back.
 */
function forceGateBlockers(policy: PodPolicy | SidecarPolicy, evaluation: PolicyEvaluation | SidecarEvaluation | undefined): string[] {
  if (policy.target !== "pods" || !isForcedDelete(policy)) return [];
  const gate = evaluation && "forceGate" in evaluation ? evaluation.forceGate : undefined;
  if (gate?.holds) return [];
  const needed = `needs the node gone or not Ready for at least ${formatDuration(policy.when.nodeUnhealthyFor ?? 0)}`;
  return [`forced delete (gracePeriodSeconds 0) not allowed: ${needed}: ${gate?.reason ?? "node not evaluated"}`];
}

/** Why a matched pod policy acts: its conditions, and for a forced delete the node check that allows it. */
export function podReasons(evaluation: PolicyEvaluation | SidecarEvaluation): string[] {
  return [...evaluation.conditions.map((c) => c.reason), ...("forceGate" in evaluation && evaluation.forceGate?.holds ? [evaluation.forceGate.reason] : [])];
}

/** Starts the note naming the other policies that matched: it is about the plan, not a condition. */
export const CONFIG_ORDER_NOTE = "first eligible policy in config order";

/**
 * The first matching policy in config order that may act wins; the others are named in its
 * reasons. When every matching policy is held back, the first one's blockers are reported.
 */
export function pickWinner(contenders: Contender[], now: number): Pick<Candidate, "policy" | "action" | "reasons" | "heldBack" | "gracePeriodSeconds"> | undefined {
  if (contenders.length === 0) return undefined;
  const verdicts = contenders.map((c) => ({ contender: c, blockers: blockersOf(c.protections, c.schedule, now, c.gate) }));
  const winner = verdicts.find((v) => v.blockers.length === 0) ?? verdicts[0]!;
  const reasons = [...winner.contender.reasons];
  const others = contenders.filter((c) => c !== winner.contender).map((c) => c.name);
  if (others.length > 0) reasons.push(`${CONFIG_ORDER_NOTE} (also matched: ${others.join(", ")})`);
  return {
    policy: winner.contender.name,
    action: winner.contender.action,
    reasons,
    ...(winner.contender.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: winner.contender.gracePeriodSeconds } : {}),
    ...(winner.blockers.length > 0 ? { heldBack: winner.blockers.join("; ") } : {}),
  };
}

/** Terminating a sidecar leaves the pod in place, so "nothing would recreate it" does not apply. */
const SIDECAR_IGNORES = ["bare-pods"] as const;

/**
 * The protections that hold a policy back from this pod: the global ones it does not opt out of,
 * plus its safety filters. "Already terminating" is waived for exactly one case: a forced delete
 * whose node is gone or not Ready long enough (the pod is stuck, and nothing else will remove it).
 */
export function podTargetProtections(policy: PodPolicy | SidecarPolicy, protections: Protection[], evaluation?: PolicyEvaluation | SidecarEvaluation): Protection[] {
  const global = protectionsFor(protections, policy.target === "pods" ? policy.ignoreProtections : SIDECAR_IGNORES);
  if (policy.target !== "pods" || !evaluation || !("filters" in evaluation)) return global;
  const waiveTerminating = isForcedDelete(policy) && evaluation.forceGate?.holds === true;
  return [...global.filter((p) => !(waiveTerminating && p.terminating)), ...evaluation.filters];
}

export function chooseAction(pod: Pod, evaluations: (PolicyEvaluation | SidecarEvaluation)[], protections: Protection[], now: number): Candidate | undefined {
  const contenders = evaluations
    .filter((e) => e.matched)
    .map((e) => ({
      name: e.policy.name,
      action: e.policy.target === "pods" ? e.policy.action : e.policy.action.kind,
      schedule: e.policy.schedule,
      reasons: podReasons(e),
      protections: podTargetProtections(e.policy, protections, e).map((p) => p.reason),
      gate: forceGateBlockers(e.policy, e),
      gracePeriodSeconds: e.policy.target === "pods" ? e.policy.gracePeriodSeconds : undefined,
    }));
  const picked = pickWinner(contenders, now);
  if (!picked) return undefined;
  const owner = controllerOf(pod);
  return {
    target: podRef(pod),
    ...picked,
    created: creationTime(pod) ?? 0,
    restarts: totalRestarts(pod, true),
    owner: owner ? { kind: owner.kind ?? "?", name: owner.name ?? "?" } : undefined,
    node: typeof pod.spec?.nodeName === "string" && pod.spec.nodeName ? pod.spec.nodeName : undefined,
  };
}

export function chooseNamespaceAction(ns: NamespaceInfo, evaluations: NamespaceEvaluation[], protections: string[], now: number): Candidate | undefined {
  const contenders = evaluations
    .filter((e) => e.matched)
    .map((e) => ({ name: e.policy.name, action: e.policy.action.kind, schedule: e.policy.schedule, reasons: e.conditions.map((c) => c.reason), protections }));
  const picked = pickWinner(contenders, now);
  if (!picked) return undefined;
  return {
    target: { kind: "Namespace", namespace: ns.name, name: ns.name, uid: ns.uid },
    ...picked,
    created: parseInstant(ns.creationTimestamp) ?? 0,
    restarts: 0,
    owner: undefined,
  };
}

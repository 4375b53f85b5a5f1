// Candidates -> plan: blast radius, deterministic order, and limits. Pure.
import type { Settings } from "../config/schema.ts";
import { Interner } from "../core/intern.ts";
import type { Action, Candidate, Plan, Skipped } from "./types.ts";
import { moduleOfAction, targetModules } from "../policies/targets.ts";

export interface PlanInput {
  candidates: Candidate[];
  /** Pods and namespaces read in scope: the bases of abortIfMoreThan.percent. */
  evaluatedPods: number;
  evaluatedNamespaces?: number;
  /** Objects read in scope per target module (its evaluated.key). */
  evaluatedByTarget?: Record<string, number>;
  settings: Settings;
}

export function buildPlan({ candidates, evaluatedPods, evaluatedNamespaces = 0, evaluatedByTarget = {}, settings }: PlanInput): Plan {
  const skipped: Skipped[] = [];
  const eligible: Candidate[] = [];
  for (const c of candidates) {
    if (c.heldBack) skipped.push(skip(c, c.heldBack));
    else eligible.push(c);
  }
  eligible.sort(settings.order === "most-restarts-first" ? byRestartsThenAge : byAge);

  const actions: Action[] = [];
  const perNamespace = new Map<string, number>();
  const perOwner = new Map<string, number>();
  const perNode = new Map<string, number>();
  // A full limit holds back every later target with the same text: held once.
  const reasons = new Interner();
  for (const c of eligible) {
    const limit = limitReached(c, settings, actions.length, perNamespace, perOwner, perNode);
    if (limit) {
      skipped.push(skip(c, reasons.of(limit)));
      continue;
    }
    actions.push({ policy: c.policy, action: c.action, target: c.target, reasons: c.reasons, ...(c.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: c.gracePeriodSeconds } : {}), status: "planned", detail: "", at: null });
    increment(perNamespace, c.target.namespace);
    if (c.owner) increment(perOwner, ownerId(c));
    if (c.node) increment(perNode, c.node);
  }
  // Each target module's candidates weigh against what it read; the rest are pods and namespaces.
  const byModule = targetModules().map((m) => ({ module: m, count: eligible.filter((c) => moduleOfAction(c.action) === m).length }));
  const pods = eligible.filter((c) => c.target.kind === "Pod").length;
  const ofModules = byModule.reduce((sum, m) => sum + m.count, 0);
  const abortReason =
    blastRadius(eligible.length, settings) ??
    blastPercent(pods, evaluatedPods, "pods", settings) ??
    blastPercent(eligible.length - pods - ofModules, evaluatedNamespaces, "namespaces", settings) ??
    byModule.map((m) => blastPercent(m.count, evaluatedByTarget[m.module.evaluated.key] ?? 0, m.module.evaluated.noun, settings)).find((reason) => reason !== undefined);
  return { actions, skipped, abortReason };
}

/**
 * The guard weighs everything the policies would act on before limits: limits cap one run,
 * while the guard asks whether the policies match far more than anyone intended.
 */
export function blastRadius(eligible: number, settings: Settings): string | undefined {
  const limit = settings.abortIfMoreThan?.count;
  if (limit !== undefined && eligible > limit) return `blast radius: ${eligible} targets matched, more than abortIfMoreThan.count ${limit}`;
  return undefined;
}

function blastPercent(eligible: number, evaluated: number, what: string, settings: Settings): string | undefined {
  const limit = settings.abortIfMoreThan?.percent;
  if (limit === undefined || evaluated === 0) return undefined;
  const percent = (eligible / evaluated) * 100;
  if (percent <= limit) return undefined;
  return `blast radius: ${eligible} of ${evaluated} ${what} in scope (${percent.toFixed(1)}%) matched, more than abortIfMoreThan.percent ${limit}%`;
}

function limitReached(c: Candidate, s: Settings, planned: number, perNamespace: Map<string, number>, perOwner: Map<string, number>, perNode: Map<string, number>): string | undefined {
  if (s.maxActions !== undefined && planned >= s.maxActions) {
    return `limit: maxActions ${s.maxActions} (${planned} planned)`;
  }
  const inNamespace = perNamespace.get(c.target.namespace) ?? 0;
  if (s.maxActionsPerNamespace !== undefined && inNamespace >= s.maxActionsPerNamespace) {
    return `limit: maxActionsPerNamespace ${s.maxActionsPerNamespace} (${inNamespace} planned in ${c.target.namespace})`;
  }
  if (c.owner && s.maxActionsPerOwner !== undefined) {
    const ofOwner = perOwner.get(ownerId(c)) ?? 0;
    if (ofOwner >= s.maxActionsPerOwner) return `limit: maxActionsPerOwner ${s.maxActionsPerOwner} (${c.owner.kind} ${c.owner.name})`;
  }
  // Pods not bound to a node count against no node.
  if (c.node && s.maxActionsPerNode !== undefined) {
    const onNode = perNode.get(c.node) ?? 0;
    if (onNode >= s.maxActionsPerNode) return `limit: maxActionsPerNode ${s.maxActionsPerNode} (${onNode} planned on ${c.node})`;
  }
  return undefined;
}

function ownerId(c: Candidate): string {
  return `${c.target.namespace}/${c.owner!.kind}/${c.owner!.name}`;
}

function increment(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function skip(c: Candidate, reason: string): Skipped {
  return { policy: c.policy, target: { kind: c.target.kind, namespace: c.target.namespace, name: c.target.name, ...(c.target.resource ? { resource: c.target.resource } : {}) }, reason };
}

// Code-point order, not locale order: the same plan on every machine.
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byName(a: Candidate, b: Candidate): number {
  return compareText(a.target.namespace, b.target.namespace) || compareText(a.target.name, b.target.name);
}

function byAge(a: Candidate, b: Candidate): number {
  return a.created - b.created || byName(a, b);
}

function byRestartsThenAge(a: Candidate, b: Candidate): number {
  return b.restarts - a.restarts || byAge(a, b);
}

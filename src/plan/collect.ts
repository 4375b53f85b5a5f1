// view x policies -> candidates. Pods stream past page by page: only pods some policy matched
// are kept, and namespace policies keep per-namespace counters, never the pods.
import type { Config, ImagePolicy, NamespacePolicy, PodPolicy, SidecarPolicy } from "../config/schema.ts";
import type { Logger } from "../core/log.ts";
import type { JsonClient } from "../cluster/http.ts";
import { targetModules } from "../policies/targets.ts";
import type { TargetFind } from "../policies/target.ts";
import { evaluateSidecarPolicy } from "../policies/sidecars/evaluate.ts";
import type { Pod } from "../core/k8s.ts";
import { evaluatePolicy } from "../policies/pods/evaluate.ts";
import { evaluateNamespacePolicy, namespaceInScope } from "../policies/namespaces/evaluate.ts";
import { PodCounter } from "../policies/namespaces/pod-counter.ts";
import type { EvaluationContext, Verdict } from "../policies/verdict.ts";
import type { ClusterView } from "../cluster/view.ts";
import { chooseAction, chooseNamespaceAction } from "./choose.ts";
import { namespaceProtections } from "./namespace-protections.ts";
import { podProtections, protectedNamespaceSet, type ProtectionContext } from "./protections.ts";
import type { Candidate, DueNotice, Skipped } from "./types.ts";
import { text } from "../core/shape.ts";

export interface Collected {
  candidates: Candidate[];
  /** Objects that could not be evaluated: reported as skipped, never acted on. */
  malformed: Skipped[];
  evaluatedPods: number;
  evaluatedNamespaces: number;
  /** Pod and sidecar policies, and namespace policies (including any from NamespaceManager objects). */
  podPolicies: (PodPolicy | SidecarPolicy)[];
  namespacePolicies: NamespacePolicy[];
  /** The pod asked for by `explain`, when it was seen. */
  found: Pod | undefined;
  podCounter: PodCounter;
  /** Objects evaluated per target module (summary.evaluated), e.g. {resources: 120}. */
  evaluatedByTarget: Record<string, number>;
  /** What each target module kept (by target): its performers and `explain` read it. */
  targetDetails: Record<string, unknown>;
  /** Warning Events due before actions, from every module (`notifyBefore`). */
  notices: DueNotice[];
}

export interface CollectOptions {
  view: ClusterView;
  config: Config;
  /** Namespace policies from outside the config (NamespaceManager objects), after the config's. */
  extraNamespacePolicies?: NamespacePolicy[];
  now: number;
  self: ProtectionContext["self"];
  find?: { namespace: string; name: string };
  /** -n: only these namespaces are targets of namespace policies. */
  onlyNamespaces?: readonly string[];
  onPage?: (podsSoFar: number) => void;
  /** Where target modules read from: a snapshot file, or the cluster. */
  snapshot?: string | undefined;
  client?: JsonClient | undefined;
  log?: Logger;
  /** `explain`: an object of a target module. */
  findTarget?: { target: string; find: TargetFind } | undefined;
}

export const podPoliciesOf = (config: Config) => config.policies.filter((p): p is PodPolicy => p.target === "pods");
/** Policies whose targets are pods (delete/evict, or terminate sidecars), in config order. */
export const podTargetPoliciesOf = (config: Config) => config.policies.filter((p): p is PodPolicy | SidecarPolicy => p.target === "pods" || p.target === "sidecars");
export const namespacePoliciesOf = (config: Config) => config.policies.filter((p): p is NamespacePolicy => p.target === "namespaces");
/** The same set at plan time and at the write's fresh look. */
/** The protected namespaces, built-in ones included: for pod targets, and for namespace targets (which also protect `default`). */
export const protectedNamespacesOf = (config: Config) => ({ pods: protectedNamespaceSet(config.settings, false), namespaces: protectedNamespaceSet(config.settings, true) });
export const imagePoliciesOf = (config: Config) => config.policies.filter((p): p is ImagePolicy => p.target === "images");

export async function collectCandidates({ view, config, extraNamespacePolicies = [], now, self, find, onlyNamespaces, onPage, snapshot, client, log, findTarget }: CollectOptions): Promise<Collected> {
  const podPolicies = podTargetPoliciesOf(config);
  const namespacePolicies = [...namespacePoliciesOf(config), ...extraNamespacePolicies];
  const ctx: EvaluationContext = { now, nodes: view.nodes, namespaces: view.namespaces, safetyFilters: config.settings.safetyFilters, priorityClasses: view.priorityClasses };
  const protection: ProtectionContext = { protectedNamespaces: protectedNamespaceSet(config.settings, false), namespaces: view.namespaces, self };
  const protectedNamespaces = protectedNamespaceSet(config.settings, true);
  const allNamespaces = [...(view.namespaces?.values() ?? [])].filter((ns) => !onlyNamespaces?.length || onlyNamespaces.includes(ns.name));
  const scopes = namespacePolicies.map((p) => new Set(allNamespaces.filter((ns) => namespaceInScope(ns, p.match).every((m) => m.holds)).map((ns) => ns.name)));
  const counter = new PodCounter(namespacePolicies, (i) => scopes[i]!);

  let candidates: Candidate[] = [];
  let evaluatedPods = 0;
  let podNamespaces = new Set<string>();
  let found: Pod | undefined;
  const malformed: Skipped[] = [];
  if (podPolicies.length > 0 || counter.active) {
    for await (const page of view.podPages()) {
      if (page.restarted) {
        candidates = [];
        evaluatedPods = 0;
        podNamespaces = new Set();
        malformed.length = 0;
        counter.reset();
      }
      for (const pod of page.items) {
        if (!pod || typeof pod !== "object") continue;
        evaluatedPods++;
        try {
          podNamespaces.add(text(pod.metadata?.namespace) ?? "");
          counter.add(pod);
          if (find && pod.metadata?.namespace === find.namespace && pod.metadata?.name === find.name) found = pod;
          if (podPolicies.length === 0) continue;
          const evaluations = podPolicies.map((policy) => (policy.target === "pods" ? evaluatePolicy(pod, policy, ctx) : evaluateSidecarPolicy(pod, policy, ctx)));
          malformed.push(...undecided(evaluations, { kind: "Pod", namespace: text(pod.metadata?.namespace) ?? "", name: text(pod.metadata?.name) ?? "" }));
          if (!evaluations.some((e) => e.matched)) continue;
          const candidate = chooseAction(pod, evaluations, podProtections(pod, protection), now);
          if (candidate) candidates.push(candidate);
        } catch (error) {
          // A field of an unexpected type: never act on an object that cannot be read whole.
          malformed.push({ policy: "", target: { kind: "Pod", namespace: text(pod.metadata?.namespace) ?? "", name: text(pod.metadata?.name) ?? "" }, reason: `malformed object, not evaluated: ${(error as Error).message}` });
        }
      }
      onPage?.(evaluatedPods);
    }
  }

  let evaluatedNamespaces = podNamespaces.size;
  if (namespacePolicies.length > 0) {
    const nsCtx = { now, podCounts: (i: number, ns: string) => (counter.active ? counter.get(i, ns) : undefined) };
    const inAnyScope = allNamespaces.filter((ns) => scopes.some((s) => s.has(ns.name)));
    evaluatedNamespaces = Math.max(evaluatedNamespaces, inAnyScope.length);
    for (const ns of inAnyScope) {
      const evaluations = namespacePolicies.map((policy, i) => evaluateNamespacePolicy(ns, policy, i, nsCtx));
      malformed.push(...undecided(evaluations, { kind: "Namespace", namespace: ns.name, name: ns.name }));
      const candidate = chooseNamespaceAction(ns, evaluations, namespaceProtections(ns, protectedNamespaces, self?.namespace), now);
      if (candidate) candidates.push(candidate);
    }
  }
  // Targets built as one module each (policies/targets.ts).
  const evaluatedByTarget: Record<string, number> = {};
  const targetDetails: Record<string, unknown> = {};
  const notices: DueNotice[] = [];
  for (const module of targetModules()) {
    const policies = module.policiesOf(config);
    if (policies.length === 0) continue;
    const find = findTarget?.target === module.target ? findTarget.find : undefined;
    const collected = await module.collect({ config, now, namespaces: view.namespaces, onlyNamespaces, snapshot, client, log: log ?? silentLogger, find }, policies);
    candidates.push(...collected.candidates);
    malformed.push(...collected.skipped);
    evaluatedByTarget[module.evaluated.key] = collected.evaluated;
    targetDetails[module.target] = collected.details;
    notices.push(...(collected.notices ?? []));
  }
  return { candidates, malformed, evaluatedPods, evaluatedNamespaces, podPolicies, namespacePolicies, found, podCounter: counter, evaluatedByTarget, targetDetails, notices };
}

const silentLogger: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} } as unknown as Logger;

/**
 * Policies whose conditions could not be judged for this object (a CEL runtime error) when that
 * decided the outcome (every other condition held): reported under skipped, never acted on.
 */
function undecided(evaluations: { policy: { name: string }; match: Verdict[]; conditions: (Verdict & { check: string })[] }[], target: Skipped["target"]): Skipped[] {
  return evaluations.flatMap((e) => {
    const failed = e.conditions.find((c) => c.error !== undefined);
    if (!failed || !e.match.every((m) => m.holds) || !e.conditions.every((c) => c.holds || c === failed)) return [];
    return [{ policy: e.policy.name, target, reason: `when.${failed.check}: ${failed.error}: not acted on` }];
  });
}

// A fresh look before every write. In a paced sweep the view is minutes old by a target's turn:
// a pod may have recovered, been protected or replaced, its node may be back. So each target is
// read again (one GET; its node or namespace too when a condition or protection depends on them)
// and judged again at the write's time by the very functions the plan used. The write goes
// ahead only for the same object (uid) whose policy still holds and that nothing protects now.
import type { NamespacePolicy, PodPolicy, SidecarPolicy } from "../config/schema.ts";
import type { Pod } from "../core/k8s.ts";
import type { FreshReader } from "../cluster/fresh-reader.ts";
import { namespaceInfo } from "../cluster/view.ts";
import { toApiError } from "../cluster/api-error.ts";
import { writeFailure, type Outcome } from "../cluster/pod-writer.ts";
import { replacedNamespace } from "../cluster/namespace-writer.ts";
import { evaluatePolicy } from "../policies/pods/evaluate.ts";
import { evaluateSidecarPolicy } from "../policies/sidecars/evaluate.ts";
import { evaluateNamespacePolicy } from "../policies/namespaces/evaluate.ts";
import { PodCounter } from "../policies/namespaces/pod-counter.ts";
import type { NamedVerdict } from "../policies/pods/match.ts";
import { nodeHealth, type EvaluationContext, type NamespaceInfo, type NodeHealth } from "../policies/verdict.ts";
import { blockersOf, CONFIG_ORDER_NOTE, podBlockers, podReasons } from "../plan/choose.ts";
import { namespaceProtections } from "../plan/namespace-protections.ts";
import { podProtections, type ProtectionContext } from "../plan/protections.ts";
import type { Action } from "../plan/types.ts";
import type { Performer } from "./performers.ts";

export interface FreshLookDeps {
  reader: FreshReader;
  podPolicies: (PodPolicy | SidecarPolicy)[];
  namespacePolicies: NamespacePolicy[];
  /** Built-in ones included: for pod targets, and for namespace targets. */
  protectedNamespaces: { pods: ReadonlySet<string>; namespaces: ReadonlySet<string> };
  /** As in the plan: settings.safetyFilters and the PriorityClasses read for a class-name threshold. */
  safetyFilters: EvaluationContext["safetyFilters"];
  priorityClasses: EvaluationContext["priorityClasses"];
  self: ProtectionContext["self"];
  /** The plan read namespaces: a pod's namespace (labels, protect annotation) is read again too. */
  namespacesRead: boolean;
  /** The run's clock at the write's time (a pinned --now moves on with real time). */
  now: () => number;
}

/** Either the fresh object, with the reasons that hold now, or the outcome that replaces the write. */
export type Look<T> = { go: true; object: T; reasons: string[] } | { go: false; outcome: Outcome };

/** The plan's note about other matching policies is kept; the conditions' reasons are the fresh ones. */
function freshReasons(planned: string[], conditions: string[]): string[] {
  return [...conditions, ...planned.filter((r) => r.startsWith(CONFIG_ORDER_NOTE))];
}

/**
 * The write goes ahead only when nothing holds the target back now; otherwise every reason is
 * listed (protections and schedule, then the checks that no longer hold) and the action is skipped.
 */
export function judged<T>(object: T, blockers: string[], checks: NamedVerdict[], conditions: string[], planned: string[]): Look<T> {
  const reasons = freshReasons(planned, conditions);
  const failing = checks.filter((c) => !c.holds).map((c) => c.reason);
  if (blockers.length === 0 && failing.length === 0) return { go: true, object, reasons };
  const detail = [...blockers, ...(failing.length ? [`no longer holds: ${failing.join("; ")}`] : [])].join("; ");
  return { go: false, outcome: { status: "skipped", detail, reasons } };
}

/** As in the plan: an object that cannot be read whole is never acted on. */
export function unlessMalformed<T>(judge: () => Look<T>): Look<T> {
  try {
    return judge();
  } catch (error) {
    return { go: false, outcome: { status: "skipped", detail: `malformed object when read again, not acted on: ${(error as Error).message}` } };
  }
}

export async function reading<T>(what: string, read: () => Promise<T>): Promise<{ value: T } | { failed: Outcome }> {
  try {
    return { value: await read() };
  } catch (error) {
    // Without the fresh look there is no write: a read that fails is the action failing.
    return { failed: writeFailure(toApiError(error), `read ${what} again before the write`) };
  }
}

export function createFreshLook(deps: FreshLookDeps) {
  const { reader } = deps;

  /** A target's namespace as it is now (labels, the protect annotation), for judging the target again; empty if it is gone. */
  const namespaceAsNow = async (name: string) => {
    const read = await reading(`namespace ${name}`, () => reader.namespace(name));
    return "failed" in read ? read : { value: new Map<string, NamespaceInfo>(read.value ? [[name, namespaceInfo(read.value)]] : []) };
  };

  const pod = async (action: Action): Promise<Look<Pod>> => {
    const { namespace, name, uid } = action.target;
    const policy = deps.podPolicies.find((p) => p.name === action.policy);
    if (!policy) return { go: false, outcome: { status: "failed", detail: `policy ${action.policy} not found` } };
    const read = await reading(`pod ${namespace}/${name}`, () => reader.pod(namespace, name));
    if ("failed" in read) return { go: false, outcome: read.failed };
    const fresh = read.value;
    if (!fresh) return { go: false, outcome: { status: "gone", detail: "already deleted (not found when read again before the write)" } };
    if (fresh.metadata?.uid !== uid) return { go: false, outcome: { status: "conflict", detail: `the pod was replaced (uid ${fresh.metadata?.uid}, planned ${uid}): left alone` } };

    let namespaces: Map<string, NamespaceInfo> | undefined;
    if (deps.namespacesRead) {
      const ns = await namespaceAsNow(namespace);
      if ("failed" in ns) return { go: false, outcome: ns.failed };
      namespaces = ns.value;
    }
    // "Node gone" must be confirmed by a GET of that node (404), not by its absence from an old list.
    let nodes: Map<string, NodeHealth> | undefined;
    const nodeName = fresh.spec?.nodeName;
    if (policy.target === "pods" && policy.when.nodeUnhealthyFor !== undefined && nodeName) {
      const node = await reading(`node ${nodeName}`, () => reader.node(nodeName));
      if ("failed" in node) return { go: false, outcome: node.failed };
      nodes = new Map(node.value ? [[nodeName, nodeHealth(node.value)]] : []);
    }

    return unlessMalformed(() => {
      const now = deps.now();
      const ctx = { now, nodes, namespaces, safetyFilters: deps.safetyFilters, priorityClasses: deps.priorityClasses };
      const evaluation = policy.target === "pods" ? evaluatePolicy(fresh, policy, ctx, true) : evaluateSidecarPolicy(fresh, policy, ctx, true);
      // The plan's own blockers: protections (a forced delete's gate included), then the schedule.
      const protections = podProtections(fresh, { protectedNamespaces: deps.protectedNamespaces.pods, namespaces, self: deps.self });
      const blockers = podBlockers(policy, protections, now, evaluation).map((b) => b.replace(/^protected: /, "protected now: "));
      return judged(fresh, blockers, [...evaluation.match, ...evaluation.conditions], podReasons(evaluation), action.reasons);
    });
  };

  const namespace = async (action: Action): Promise<Look<NamespaceInfo>> => {
    const { name, uid } = action.target;
    const index = deps.namespacePolicies.findIndex((p) => p.name === action.policy);
    const policy = deps.namespacePolicies[index];
    if (!policy) return { go: false, outcome: { status: "failed", detail: `policy ${action.policy} not found` } };
    const read = await reading(`namespace ${name}`, () => reader.namespace(name));
    if ("failed" in read) return { go: false, outcome: read.failed };
    if (!read.value) return { go: false, outcome: { status: "gone", detail: "namespace already deleted (not found when read again before the write)" } };
    const fresh = namespaceInfo(read.value);
    if (fresh.uid !== uid) return { go: false, outcome: replacedNamespace(name, fresh.uid, uid) };

    // podsSucceeded counts the namespace's pods as they are now, with the plan's own counter.
    let counter: PodCounter | undefined;
    if (policy.when.podsSucceeded) {
      const pods = await reading(`pods of namespace ${name}`, () => reader.podsIn(name));
      if ("failed" in pods) return { go: false, outcome: pods.failed };
      counter = new PodCounter([policy], () => new Set([name]));
      for (const p of pods.value) counter.add(p);
    }
    return unlessMalformed(() => {
      const now = deps.now();
      const evaluation = evaluateNamespacePolicy(fresh, policy, 0, { now, podCounts: (i, ns) => counter?.get(i, ns) }, true);
      const protections = namespaceProtections(fresh, deps.protectedNamespaces.namespaces, deps.self?.namespace);
      const blockers = [
        ...(protections.length ? [`protected now: ${protections.join("; ")}`] : []),
        ...(evaluation.done ? [evaluation.done] : []),
        ...blockersOf([], policy.schedule, now),
      ];
      return judged(fresh, blockers, [...evaluation.match, ...evaluation.conditions], evaluation.conditions.map((c) => c.reason), action.reasons);
    });
  };

  return { pod, namespace, namespaceAsNow };
}

export type FreshLook = ReturnType<typeof createFreshLook>;

/** Acts only on what the fresh look still finds qualifying; the report gets the reasons that held then. */
export const lookedPerformer =
  <T>(look: (action: Action) => Promise<Look<T>>, perform: (action: Action, dryRun: boolean, fresh: { object: T; reasons: string[] }) => Promise<Outcome>): Performer =>
  async (action, dryRun) => {
    const fresh = await look(action);
    if (!fresh.go) return fresh.outcome;
    return { ...(await perform(action, dryRun, fresh)), reasons: fresh.reasons };
  };

// What every check returns: whether it held, and a sentence with the numbers.
import type { Node, Pod } from "../core/k8s.ts";
import { list, text } from "../core/shape.ts";
import type { SafetyFilters } from "../config/schema.ts";

export interface Verdict {
  holds: boolean;
  reason: string;
  /** The check could not be made for this object (a CEL runtime error): reported, never acted on. */
  error?: string;
  /** A check of time (ttl, expires): the instant from which it holds, when known. */
  dueAt?: number;
}

export interface NodeHealth {
  /** Ready condition status: "True", "False", "Unknown", or undefined when not reported. */
  ready: string | undefined;
  since: number | undefined;
}

export interface NamespaceInfo {
  name: string;
  uid: string;
  creationTimestamp: string | undefined;
  deletionTimestamp: string | undefined;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  phase: string | undefined;
}

/** Cluster facts a pod check may consult; built once per run. */
export interface EvaluationContext {
  now: number;
  /** undefined when nodes were not read (a snapshot without Node objects). */
  nodes: Map<string, NodeHealth> | undefined;
  /** undefined when namespaces were not read. */
  namespaces: Map<string, NamespaceInfo> | undefined;
  /** settings.safetyFilters, the default of every pod policy's filters. */
  safetyFilters?: SafetyFilters | undefined;
  /** PriorityClass name -> value, when a filter names a class. */
  priorityClasses?: Map<string, number> | undefined;
}

export function nodeHealth(node: Node): NodeHealth {
  const ready = list(node.status?.conditions).find((c) => c?.type === "Ready");
  const transition = text(ready?.lastTransitionTime);
  const since = transition ? Date.parse(transition) : undefined;
  return { ready: text(ready?.status), since: Number.isNaN(since) ? undefined : since };
}

/**
 * The gate every policy passes first: an object whose creation time is missing, does not parse or
 * lies in the future (clock skew) has no age to judge by, so no condition of any kind holds for it.
 */
export function unknownAge(creationTimestamp: unknown, now: number): { check: "age"; holds: false; reason: string } | undefined {
  const created = typeof creationTimestamp === "string" && creationTimestamp ? Date.parse(creationTimestamp) : Number.NaN;
  const problem = Number.isNaN(created) ? (typeof creationTimestamp === "string" && creationTimestamp ? `creationTimestamp ${JSON.stringify(creationTimestamp)} is not a time` : "no creationTimestamp") : created > now ? `created in the future (${new Date(created).toISOString()})` : undefined;
  return problem ? { check: "age", holds: false, reason: `${problem}: no condition holds` } : undefined;
}

export type PodCheck<P> = (pod: Pod, param: P, ctx: EvaluationContext) => Verdict;

// A read-only view of the cluster, taken once per run, from the API or from a snapshot file.
import type { Namespace, Pod, PriorityClass } from "../core/k8s.ts";
import type { NamespaceInfo, NodeHealth } from "../policies/verdict.ts";
import { stringMap, text } from "../core/shape.ts";

export interface PodPage {
  items: Pod[];
  /** The list had to start over (its continue token expired): discard what earlier pages gave. */
  restarted: boolean;
}

export interface ClusterView {
  source: { server: string; version: string };
  nodes: Map<string, NodeHealth> | undefined;
  namespaces: Map<string, NamespaceInfo> | undefined;
  /** Pods page by page, so a run's memory does not grow with the cluster. */
  podPages(): AsyncIterable<PodPage>;
  /** PriorityClass name -> value, when a safety filter names a class; undefined otherwise. */
  priorityClasses?: Map<string, number> | undefined;
  /** NamespaceManager objects, when asked for and served; undefined otherwise. */
  namespaceManagers: NamespaceManagerObject[] | undefined;
}

export interface NamespaceManagerObject {
  metadata?: { namespace?: string; name?: string; uid?: string };
  spec?: {
    namespace?: string;
    deactivated?: boolean;
    policies?: {
      name?: string;
      condition?: { type?: string; params?: { ttlSeconds?: number; podLabels?: Record<string, string>; initialDelaySeconds?: number } };
      action?: { type?: string; params?: { selectors?: { kind?: string; labels?: Record<string, string> }[]; url?: string } };
    }[];
  };
}

/** What to read: narrowed by -n flags and by what the policies need. */
export interface ReadScope {
  /** Only these namespaces' pods; undefined = every namespace. */
  namespaces: string[] | undefined;
  /** No policy looks at pods: do not list them (and need no permission to). */
  readPods: boolean;
  /** Read NamespaceManager objects (k8s.consol.de/v1beta1). */
  namespaceManagers: boolean;
  needNodes: boolean;
  needNamespaces: boolean;
  /** A safety filter's priorityThreshold names a PriorityClass. */
  needPriorityClasses?: boolean;
  /** A server-side field selector every policy allows, e.g. status.phase=Failed. */
  podFieldSelector: string | undefined;
}

export function namespaceInfo(ns: Namespace): NamespaceInfo {
  const meta = ns.metadata && typeof ns.metadata === "object" ? ns.metadata : {};
  return {
    name: text(meta.name) ?? "",
    uid: text(meta.uid) ?? "",
    creationTimestamp: text(meta.creationTimestamp),
    deletionTimestamp: text(meta.deletionTimestamp),
    labels: stringMap(meta.labels),
    annotations: stringMap(meta.annotations),
    phase: text(ns.status?.phase),
  };
}

/** A class without a numeric value maps to NaN: a threshold naming it then protects (never guesses). */
export function priorityClassEntry(pc: PriorityClass): [string, number] {
  return [text(pc.metadata?.name) ?? "", typeof pc.value === "number" && Number.isFinite(pc.value) ? pc.value : Number.NaN];
}

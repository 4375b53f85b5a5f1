// A read-only view of the cluster, taken once per run, from the API or from a snapshot file.
import type { Pod } from "../core/k8s.ts";
import type { NamespaceInfo, NodeHealth } from "../policies/verdict.ts";

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
}

/** What to read: narrowed by -n flags and by what the policies need. */
export interface ReadScope {
  /** Only these namespaces' pods; undefined = every namespace. */
  namespaces: string[] | undefined;
  needNodes: boolean;
  needNamespaces: boolean;
  /** A server-side field selector every policy allows, e.g. status.phase=Failed. */
  podFieldSelector: string | undefined;
}

export function namespaceInfo(ns: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; status?: { phase?: string } }): NamespaceInfo {
  return { labels: ns.metadata?.labels ?? {}, annotations: ns.metadata?.annotations ?? {}, phase: ns.status?.phase };
}

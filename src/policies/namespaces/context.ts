import type { NamespaceInfo, Verdict } from "../verdict.ts";

export interface PodCounts {
  total: number;
  succeeded: number;
  failed: number;
}

export interface NamespaceContext {
  now: number;
  /** Pods counted for the podsSucceeded condition of policy `policyIndex` in a namespace. */
  podCounts(policyIndex: number, namespace: string): PodCounts | undefined;
}

export type NamespaceCheck<P> = (ns: NamespaceInfo, param: P, ctx: NamespaceContext, policyIndex: number) => Verdict;

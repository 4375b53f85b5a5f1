// view x policies -> candidates, page by page: only pods some policy matched are kept.
import type { Config } from "../config/schema.ts";
import type { Pod } from "../core/k8s.ts";
import { evaluatePolicy } from "../policies/pods/evaluate.ts";
import type { EvaluationContext } from "../policies/verdict.ts";
import type { ClusterView } from "../cluster/view.ts";
import { chooseAction } from "./choose.ts";
import { podProtections, type ProtectionContext } from "./protections.ts";
import type { Candidate } from "./types.ts";

export interface Collected {
  candidates: Candidate[];
  evaluatedPods: number;
  namespaces: number;
  /** The pod asked for by `explain`, when it was seen. */
  found: Pod | undefined;
}

export interface CollectOptions {
  view: ClusterView;
  config: Config;
  now: number;
  self: ProtectionContext["self"];
  find?: { namespace: string; name: string };
  onPage?: (podsSoFar: number) => void;
}

export async function collectCandidates({ view, config, now, self, find, onPage }: CollectOptions): Promise<Collected> {
  const ctx: EvaluationContext = { now, nodes: view.nodes, namespaces: view.namespaces };
  const protection: ProtectionContext = { protectedNamespaces: new Set(config.settings.protectedNamespaces), namespaces: view.namespaces, self };
  let candidates: Candidate[] = [];
  let evaluatedPods = 0;
  let namespaces = new Set<string>();
  let found: Pod | undefined;
  for await (const page of view.podPages()) {
    if (page.restarted) {
      candidates = [];
      evaluatedPods = 0;
      namespaces = new Set();
    }
    for (const pod of page.items) {
      if (!pod || typeof pod !== "object") continue;
      evaluatedPods++;
      namespaces.add(pod.metadata?.namespace ?? "");
      if (find && pod.metadata?.namespace === find.namespace && pod.metadata?.name === find.name) found = pod;
      const evaluations = config.policies.map((policy) => evaluatePolicy(pod, policy, ctx));
      if (!evaluations.some((e) => e.matched)) continue;
      const candidate = chooseAction(pod, evaluations, podProtections(pod, protection), now);
      if (candidate) candidates.push(candidate);
    }
    onPage?.(evaluatedPods);
  }
  return { candidates, evaluatedPods, namespaces: namespaces.size, found };
}

// Per-namespace pod counts for podsSucceeded, gathered while pods stream past page by page:
// two integers per (policy, namespace), never the pods themselves.
import type { NamespacePolicy } from "../../config/schema.ts";
import type { Pod } from "../../core/k8s.ts";
import { matchesSelector } from "../../core/selector.ts";
import type { PodCounts } from "./context.ts";

export class PodCounter {
  readonly #counts = new Map<string, PodCounts>();
  readonly #watched: { index: number; policy: NamespacePolicy; namespaces: ReadonlySet<string> }[];

  /** `inScope(i)`: the namespaces policy i may act on (already matched by name and labels). */
  constructor(policies: readonly NamespacePolicy[], inScope: (index: number) => ReadonlySet<string>) {
    this.#watched = policies
      .map((policy, index) => ({ index, policy, namespaces: inScope(index) }))
      .filter((w) => w.policy.when.podsSucceeded !== undefined);
  }

  get active(): boolean {
    return this.#watched.length > 0;
  }

  add(pod: Pod): void {
    const ns = pod.metadata?.namespace ?? "";
    for (const w of this.#watched) {
      if (!w.namespaces.has(ns)) continue;
      const selector = w.policy.when.podsSucceeded!.selector;
      if (selector && !matchesSelector(selector.requirements, pod.metadata?.labels)) continue;
      const counts = this.#entry(w.index, ns);
      counts.total++;
      if (pod.status?.phase === "Succeeded") counts.succeeded++;
      else if (pod.status?.phase === "Failed") counts.failed++;
    }
  }

  reset(): void {
    this.#counts.clear();
  }

  get(index: number, namespace: string): PodCounts {
    return this.#counts.get(`${index}/${namespace}`) ?? { total: 0, succeeded: 0, failed: 0 };
  }

  #entry(index: number, namespace: string): PodCounts {
    const key = `${index}/${namespace}`;
    let counts = this.#counts.get(key);
    if (!counts) {
      counts = { total: 0, succeeded: 0, failed: 0 };
      this.#counts.set(key, counts);
    }
    return counts;
  }
}

// The whole pure pipeline (config text -> evaluation -> protections -> plan) over given pods and nodes.
import { parseConfigText } from "../../src/config/load.ts";
import { collectCandidates } from "../../src/plan/collect.ts";
import { buildPlan } from "../../src/plan/plan.ts";
import { nodeHealth } from "../../src/policies/verdict.ts";
import type { ClusterView } from "../../src/cluster/view.ts";
import type { Node, Pod } from "../../src/core/k8s.ts";
import { T0 } from "../fixtures/builders.ts";

export interface PlanOfOptions {
  nodes?: Node[];
  /** Lines under `settings:`, indented two spaces. */
  settings?: string;
  priorityClasses?: Map<string, number>;
}

export async function planOf(policyYaml: string, pods: Pod[], { nodes, settings = "", priorityClasses }: PlanOfOptions = {}) {
  const yaml = `settings:\n  waitBetweenActions: 0\n${settings}\npolicies:\n${policyYaml}`;
  const config = parseConfigText(yaml, "parity.yaml");
  const view: ClusterView = {
    source: { server: "test", version: "v1.30.0" },
    nodes: nodes ? new Map(nodes.map((n) => [n.metadata!.name!, nodeHealth(n)])) : undefined,
    namespaces: undefined,
    namespaceManagers: undefined,
    priorityClasses,
    async *podPages() {
      yield { items: structuredClone(pods), restarted: false };
    },
  };
  const collected = await collectCandidates({ view, config, now: T0, self: undefined });
  return buildPlan({ candidates: collected.candidates, evaluatedPods: collected.evaluatedPods, settings: config.settings });
}


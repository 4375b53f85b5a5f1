import type { Command } from "commander";
import { EXIT, UsageError, type ExitCode } from "../errors.ts";
import { evaluatePolicy } from "../policies/pods/evaluate.ts";
import { evaluateNamespacePolicy } from "../policies/namespaces/evaluate.ts";
import { evaluateSidecarPolicy } from "../policies/sidecars/evaluate.ts";
import { blockersOf, podBlockers } from "../plan/choose.ts";
import { podProtections, protectedNamespaceSet } from "../plan/protections.ts";
import { namespaceProtections } from "../plan/namespace-protections.ts";
import { targetModules } from "../policies/targets.ts";
import type { TargetExplanation, TargetFind } from "../policies/target.ts";
import { makeLogger, selfPod, type GlobalOptions, type Io } from "./context.ts";
import { printResult } from "../report/print.ts";
import { resourceName } from "../report/table.ts";
import { prepare, type Prepared } from "./prepare.ts";

export function registerExplain(program: Command, io: Io, run: (code: Promise<ExitCode>) => void): void {
  program
    .command("explain")
    .argument("<target>", "<namespace>/<pod> (or pod/<namespace>/<pod>, as -o name prints it), namespace/<name>, or KIND/NAMESPACE/NAME for a resource target (KIND//NAME if cluster-scoped)")
    .description("for one pod or namespace: every policy, each condition with its numbers, the protections and limits that applied")
    .action((target: string, _flags: unknown, command: Command) => run(explainCommand(target, command.optsWithGlobals<GlobalOptions>(), io)));
}

export interface Explanation extends TargetExplanation {
  outcome: string;
}

type Target = { kind: "Pod"; namespace: string; name: string } | { kind: "Namespace"; name: string } | { kind: "Module"; target: string; find: TargetFind };

function parseTarget(text: string): Target {
  // `pod/<namespace>/<name>` too: what `-o name` prints can be passed straight back.
  const parts = text.split("/");
  if (parts[0] === "pod" && parts.length === 3 && parts[1] && parts[2]) return { kind: "Pod", namespace: parts[1], name: parts[2] };
  // A target module's own form (resources: KIND/NAMESPACE/NAME).
  for (const module of targetModules()) {
    const find = module.explain.parse(parts);
    if (find) return { kind: "Module", target: module.target, find };
  }
  if (parts.length !== 2 || !parts[0] || !parts[1]) throw new UsageError(`explain: expected <namespace>/<pod>, pod/<namespace>/<pod>, namespace/<name> or KIND/NAMESPACE/NAME, got ${JSON.stringify(text)}`);
  return parts[0] === "namespace" ? { kind: "Namespace", name: parts[1] } : { kind: "Pod", namespace: parts[0], name: parts[1] };
}

async function explainCommand(text: string, options: GlobalOptions, io: Io): Promise<ExitCode> {
  const target = parseTarget(text);
  const log = makeLogger(options, io);
  // The whole scope is read, not just the target: limits depend on every other target.
  const prepared = await prepare({
    options,
    io,
    log,
    ...(target.kind === "Pod" ? { find: { namespace: target.namespace, name: target.name } } : {}),
    ...(target.kind === "Module" ? { findTarget: { target: target.target, find: target.find } } : {}),
  });
  const explanation = target.kind === "Pod" ? explainPod(prepared, target, io) : target.kind === "Module" ? explainModuleTarget(prepared, target) : explainNamespace(prepared, target, io, options);
  printResult({ value: explanation, text: () => renderExplanation(explanation), names: () => [resourceName(explanation.target)] }, options, io);
  return EXIT.ok;
}

function explainPod(prepared: Prepared, target: { namespace: string; name: string }, io: Io): Explanation {
  const pod = prepared.collected.found;
  if (!pod) throw new UsageError(`pod ${target.namespace}/${target.name} not found`);
  const ctx = { now: prepared.now, nodes: prepared.view.nodes, namespaces: prepared.view.namespaces, safetyFilters: prepared.config.settings.safetyFilters, priorityClasses: prepared.view.priorityClasses };
  const protections = podProtections(pod, {
    protectedNamespaces: protectedNamespaceSet(prepared.config.settings, false),
    namespaces: prepared.view.namespaces,
    self: selfPod(io.env),
  });
  return {
    target: { kind: "Pod", namespace: target.namespace, name: target.name, uid: pod.metadata?.uid ?? "" },
    policies: prepared.collected.podPolicies.map((policy) => {
      const e = policy.target === "pods" ? evaluatePolicy(pod, policy, ctx, true) : evaluateSidecarPolicy(pod, policy, ctx, true);
      const action = policy.target === "pods" ? policy.action : policy.action.kind;
      const gate = "forceGate" in e && e.forceGate ? [{ ...e.forceGate, check: `${e.forceGate.check} (allows the forced delete)` }] : [];
      return { name: policy.name, action, matched: e.matched, match: e.match, conditions: [...e.conditions, ...gate], heldBackBy: e.matched ? podBlockers(policy, protections, prepared.now, e) : [] };
    }),
    protections: protections.map((p) => ({ reason: p.reason, ...(p.optOut ? { canBeIgnoredWith: `ignoreProtections: [${p.optOut}]` } : {}) })),
    outcome: outcome(prepared, "Pod", target.namespace, target.name),
  };
}

function explainNamespace(prepared: Prepared, target: { name: string }, io: Io, options: GlobalOptions): Explanation {
  const ns = prepared.view.namespaces?.get(target.name);
  if (!ns) throw new UsageError(`namespace ${target.name} not found${options.snapshot ? ` in ${options.snapshot}` : ""}`);
  const counter = prepared.collected.podCounter;
  const ctx = { now: prepared.now, podCounts: (i: number, n: string) => (counter.active ? counter.get(i, n) : undefined) };
  const protections = namespaceProtections(ns, protectedNamespaceSet(prepared.config.settings, true), selfPod(io.env)?.namespace);
  return {
    target: { kind: "Namespace", name: ns.name, uid: ns.uid },
    policies: prepared.collected.namespacePolicies.map((policy, i) => {
      const e = evaluateNamespacePolicy(ns, policy, i, ctx, true);
      const heldBackBy = e.done ? [e.done] : e.matched ? blockersOf(protections, policy.schedule, prepared.now) : [];
      return { name: policy.name, action: policy.action.kind, matched: e.matched, match: e.match, conditions: e.conditions, heldBackBy };
    }),
    protections: protections.map((reason) => ({ reason })),
    outcome: outcome(prepared, "Namespace", target.name, target.name),
  };
}

function explainModuleTarget(prepared: Prepared, target: { target: string; find: TargetFind }): Explanation {
  const module = targetModules().find((m) => m.target === target.target)!;
  const explained = module.explain.explain(prepared.collected.targetDetails[module.target], target.find, prepared.now);
  return { ...explained, outcome: outcome(prepared, explained.target.kind, explained.target.namespace ?? "", explained.target.name) };
}

function outcome(prepared: Prepared, kind: string, namespace: string, name: string): string {
  const same = (t: { kind: string; namespace: string; name: string }) => t.kind === kind && t.namespace === namespace && t.name === name;
  const index = prepared.plan.actions.findIndex((a) => same(a.target));
  const abort = prepared.plan.abortReason ? ` (but the whole run would abort: ${prepared.plan.abortReason})` : "";
  if (index >= 0) {
    const a = prepared.plan.actions[index]!;
    return `planned: ${a.action} by policy ${a.policy}, action ${index + 1} of ${prepared.plan.actions.length}${abort}`;
  }
  const skipped = prepared.plan.skipped.find((s) => same(s.target));
  if (skipped) return `skipped (policy ${skipped.policy}): ${skipped.reason}`;
  return "not matched by any policy: nothing would be done";
}

function renderExplanation(e: Explanation): string {
  const mark = (holds: boolean) => (holds ? "yes" : "NO ");
  const label = e.target.kind === "Pod" ? `pod ${e.target.namespace}/${e.target.name}` : e.target.kind === "Namespace" ? `namespace ${e.target.name}` : `${e.target.kind} ${e.target.namespace ? `${e.target.namespace}/` : ""}${e.target.name}`;
  const lines = [`${label} (uid ${e.target.uid || "unknown"})`];
  for (const p of e.policies) {
    lines.push(``, `policy ${p.name} (${p.action}): ${p.matched ? "MATCHES" : "does not match"}`);
    for (const m of p.match) lines.push(`  [${mark(m.holds)}] match.${m.check}: ${m.reason}`);
    for (const c of p.conditions) lines.push(`  [${mark(c.holds)}] when.${c.check}: ${c.reason}`);
    for (const b of p.heldBackBy) lines.push(`  held back: ${b}`);
  }
  lines.push("", "protections:");
  if (e.protections.length === 0) lines.push("  none");
  for (const p of e.protections) lines.push(`  - ${p.reason}${p.canBeIgnoredWith ? ` (a policy may opt out with ${p.canBeIgnoredWith})` : ""}`);
  lines.push("", `outcome: ${e.outcome}`);
  return `${lines.join("\n")}\n`;
}

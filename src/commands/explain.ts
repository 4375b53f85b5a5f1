import type { Command } from "commander";
import { EXIT, UsageError, type ExitCode } from "../errors.ts";
import { evaluatePolicy } from "../policies/pods/evaluate.ts";
import { eligibility } from "../plan/choose.ts";
import { podProtections } from "../plan/protections.ts";
import { makeLogger, outputFormat, selfPod, type GlobalOptions, type Io } from "./context.ts";
import { prepare } from "./prepare.ts";

export function registerExplain(program: Command, io: Io, run: (code: Promise<ExitCode>) => void): void {
  program
    .command("explain")
    .argument("<target>", "<namespace>/<pod>")
    .description("for one pod: every policy, each condition with its numbers, the protections and limits that applied")
    .action((target: string, _flags: unknown, command: Command) => run(explainCommand(target, command.optsWithGlobals<GlobalOptions>(), io)));
}

export interface Explanation {
  target: { kind: "Pod"; namespace: string; name: string; uid: string };
  policies: {
    name: string;
    action: string;
    matched: boolean;
    match: { check: string; holds: boolean; reason: string }[];
    conditions: { check: string; holds: boolean; reason: string }[];
    heldBackBy: string[];
  }[];
  protections: { reason: string; canBeIgnoredWith?: string }[];
  outcome: string;
}

function parseTarget(text: string): { namespace: string; name: string } {
  const parts = text.split("/");
  if (parts.length === 2 && parts[0] === "namespace") {
    throw new UsageError(`explain ${text}: namespace policies are not available in this version (pods only)`);
  }
  if (parts.length !== 2 || !parts[0] || !parts[1]) throw new UsageError(`explain: expected <namespace>/<pod>, got ${JSON.stringify(text)}`);
  return { namespace: parts[0], name: parts[1] };
}

async function explainCommand(text: string, options: GlobalOptions, io: Io): Promise<ExitCode> {
  const find = parseTarget(text);
  const log = makeLogger(options, io);
  // The whole scope is read, not just the pod's namespace: limits depend on every other target.
  const prepared = await prepare({ options, io, log, find });
  const pod = prepared.collected.found;
  if (!pod) throw new UsageError(`pod ${find.namespace}/${find.name} not found${options.snapshot ? ` in ${options.snapshot}` : ""}`);
  const ctx = { now: prepared.now, nodes: prepared.view.nodes, namespaces: prepared.view.namespaces };
  const protections = podProtections(pod, {
    protectedNamespaces: new Set(prepared.config.settings.protectedNamespaces),
    namespaces: prepared.view.namespaces,
    self: selfPod(io.env),
  });
  const policies = prepared.config.policies.map((policy) => {
    const evaluation = evaluatePolicy(pod, policy, ctx, true);
    return {
      name: policy.name,
      action: policy.action,
      matched: evaluation.matched,
      match: evaluation.match,
      conditions: evaluation.conditions,
      heldBackBy: evaluation.matched ? eligibility(evaluation, protections, prepared.now).blockers : [],
    };
  });
  const explanation: Explanation = {
    target: { kind: "Pod", namespace: find.namespace, name: find.name, uid: pod.metadata?.uid ?? "" },
    policies,
    protections: protections.map((p) => ({ reason: p.reason, ...(p.optOut ? { canBeIgnoredWith: `ignoreProtections: [${p.optOut}]` } : {}) })),
    outcome: outcome(prepared, find),
  };
  io.stdout(outputFormat(options, io) === "json" ? `${JSON.stringify(explanation, null, 2)}\n` : renderExplanation(explanation));
  return EXIT.ok;
}

function outcome(prepared: Awaited<ReturnType<typeof prepare>>, find: { namespace: string; name: string }): string {
  const same = (t: { namespace: string; name: string }) => t.namespace === find.namespace && t.name === find.name;
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
  const lines = [`pod ${e.target.namespace}/${e.target.name} (uid ${e.target.uid || "unknown"})`];
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

// One performer per action kind: a typed record, so adding a kind without one does not compile.
// The hand-wired kinds are made here; a target module makes its own (targetPerformers).
// Namespace actions that succeed are recorded on the namespace (once-only), and on the
// NamespaceManager object they came from.
import type { Config, NamespacePolicy, SidecarPolicy } from "../config/schema.ts";
import type { SidecarTerminator } from "../cluster/sidecar-terminator.ts";
import type { Logger } from "../core/log.ts";
import { isoSeconds } from "../core/clock.ts";
import type { NamespaceWriter } from "../cluster/namespace-writer.ts";
import type { Outcome, PodWriter } from "../cluster/pod-writer.ts";
import type { Pod } from "../core/k8s.ts";
import type { NamespaceInfo } from "../policies/verdict.ts";
import type { Action, ActionKind } from "../plan/types.ts";
import { lookedPerformer, type FreshLook, type Look } from "./fresh-look.ts";
import { HAND_WIRED_ACTION_KINDS, targetModules } from "../policies/targets.ts";
import type { TargetRun } from "../policies/target.ts";
import { callConfiguredWebhook, WEBHOOK_NOT_DRY_RUN } from "./webhook.ts";

export type Performer = (action: Action, serverDryRun: boolean) => Promise<Outcome>;
export type Performers = Record<ActionKind, Performer>;
export type HandWiredPerformers = Record<(typeof HAND_WIRED_ACTION_KINDS)[number], Performer>;

export interface PerformerDeps {
  pods: PodWriter | undefined;
  namespaces: NamespaceWriter | undefined;
  sidecars: SidecarTerminator | undefined;
  /** Reads each target again just before its write (see fresh-look.ts). */
  fresh: FreshLook | undefined;
  namespacePolicies: NamespacePolicy[];
  sidecarPolicies: SidecarPolicy[];
  /** Policies derived from NamespaceManager objects: policy name -> the object. */
  managers: Map<string, { namespace: string; name: string; policy: string }>;
  env: NodeJS.ProcessEnv;
  log: Logger;
  clock: () => number;
  webhookBackoffMs?: (attempt: number) => number;
  /** The run's cancellation, for the calls that are not API requests (webhooks). */
  signal?: AbortSignal;
}

export function createPerformers(deps: PerformerDeps): HandWiredPerformers {
  const policy = (name: string) => deps.namespacePolicies.find((p) => p.name === name)!;
  const need = <T>(writer: T | undefined): T => {
    if (!writer) throw new Error("no writer for this action kind");
    return writer;
  };

  type Write<T> = (action: Action, dryRun: boolean, fresh: { object: T; reasons: string[] }) => Promise<Outcome>;
  const looked = <T>(look: (fresh: FreshLook, action: Action) => Promise<Look<T>>, perform: Write<T>): Performer => lookedPerformer((action) => look(need(deps.fresh), action), perform);
  const pod = (perform: Write<Pod>) => looked((f, a) => f.pod(a), perform);
  const namespace = (perform: Write<NamespaceInfo>) => looked((f, a) => f.namespace(a), perform);

  /** After a namespace action succeeded for real: the once-only record. */
  const recorded = (perform: Performer): Performer => async (action, dryRun) => {
    const outcome = await perform(action, dryRun);
    if (outcome.status !== "done" || dryRun) return outcome;
    const notes: string[] = [];
    try {
      await need(deps.namespaces).markDone(action.target, action.policy, isoSeconds(deps.clock()));
    } catch (error) {
      // A deleted namespace may already be gone; anything else means the next run could repeat it.
      if (action.action !== "deleteNamespace") {
        notes.push(`not recorded as done: ${(error as Error).message.split("\n")[0]}`);
        deps.log.warn(`could not record ${action.policy} as done on namespace ${action.target.name}; a later run may repeat it`);
      }
    }
    const manager = deps.managers.get(action.policy);
    if (manager) {
      try {
        await need(deps.namespaces).deactivateManager(manager);
        notes.push(`NamespaceManager ${manager.namespace}/${manager.name} deactivated`);
      } catch (error) {
        notes.push(`NamespaceManager ${manager.namespace}/${manager.name} not deactivated: ${(error as Error).message.split("\n")[0]}`);
      }
    }
    return { ...outcome, detail: [outcome.detail, ...notes].filter(Boolean).join("; ") };
  };

  return {
    delete: pod((action, dryRun) => need(deps.pods).deletePod(action.target, dryRun, action.gracePeriodSeconds)),
    evict: pod((action, dryRun) => need(deps.pods).evictPod(action.target, dryRun)),
    terminate: pod((action, dryRun, fresh) => need(deps.sidecars).terminate(fresh.object, deps.sidecarPolicies.find((p) => p.name === action.policy)!, dryRun)),
    deleteNamespace: recorded(namespace((action, dryRun) => need(deps.namespaces).deleteNamespace(action.target, dryRun))),
    scaleDown: recorded(namespace((action, dryRun) => {
      const spec = policy(action.policy).action;
      if (spec.kind !== "scaleDown") throw new Error(`policy ${action.policy} is not a scaleDown policy`);
      const filters = spec.filters ?? (spec.selector ? [{ kind: undefined, labels: spec.selector.requirements }] : []);
      return need(deps.namespaces).scaleDown(action.target, spec.kinds, filters, dryRun);
    })),
    // The webhook is outside the cluster, so nothing binds it to the namespace atomically: the
    // fresh look just before the call is the check, and the body names the uid for the receiver.
    webhook: recorded(namespace(async (action, dryRun, fresh) => {
      const spec = policy(action.policy).action;
      if (spec.kind !== "webhook") throw new Error(`policy ${action.policy} is not a webhook policy`);
      if (dryRun) return { status: "done", detail: WEBHOOK_NOT_DRY_RUN };
      const manager = deps.managers.get(action.policy);
      return callConfiguredWebhook(
        spec,
        {
          apiVersion: "kube-sweeper.io/v1alpha1",
          kind: "SweepWebhook",
          policy: manager?.policy ?? action.policy,
          namespace: { name: action.target.name, uid: action.target.uid },
          reasons: fresh.reasons,
          sentAt: isoSeconds(deps.clock()),
          ...(manager ? { namespaceManager: { namespace: manager.namespace, name: manager.name } } : {}),
        },
        deps.env,
        deps.webhookBackoffMs,
        deps.signal,
      );
    })),
  };
}

/** Every target module's performers, with what collect kept for it; writers only for the kinds the plan has. */
export async function targetPerformers(config: Config, targetDetails: Record<string, unknown>, plannedKinds: ReadonlySet<string>, run: Omit<TargetRun<unknown, unknown>, "policies" | "details" | "acts">): Promise<Record<string, Performer>> {
  const out: Record<string, Performer> = {};
  for (const module of targetModules()) {
    const acts = module.actionKinds.some((k) => plannedKinds.has(k));
    Object.assign(out, await module.performers({ ...run, policies: module.policiesOf(config), details: targetDetails[module.target], acts }));
  }
  return out;
}

// One performer per action kind: a typed record, so adding a kind without one does not compile.
// Namespace actions that succeed are recorded on the namespace (once-only), and on the
// NamespaceManager object they came from.
import type { NamespacePolicy, SidecarPolicy } from "../config/schema.ts";
import type { SidecarTerminator } from "../cluster/sidecar-terminator.ts";
import type { Logger } from "../core/log.ts";
import { isoSeconds } from "../core/clock.ts";
import type { NamespaceWriter } from "../cluster/namespace-writer.ts";
import type { Outcome, PodWriter } from "../cluster/pod-writer.ts";
import type { Action, ActionKind } from "../plan/types.ts";
import { callConfiguredWebhook, WEBHOOK_NOT_DRY_RUN } from "./webhook.ts";

export type Performer = (action: Action, serverDryRun: boolean) => Promise<Outcome>;
export type Performers = Record<ActionKind, Performer>;

export interface PerformerDeps {
  pods: PodWriter | undefined;
  namespaces: NamespaceWriter | undefined;
  sidecars: SidecarTerminator | undefined;
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

export function createPerformers(deps: PerformerDeps): Performers {
  const policy = (name: string) => deps.namespacePolicies.find((p) => p.name === name)!;
  const need = <T>(writer: T | undefined): T => {
    if (!writer) throw new Error("no writer for this action kind");
    return writer;
  };

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
    delete: (action, dryRun) => need(deps.pods).deletePod(action.target, dryRun, action.gracePeriodSeconds),
    evict: (action, dryRun) => need(deps.pods).evictPod(action.target, dryRun),
    terminate: (action, dryRun) => need(deps.sidecars).terminate(action.target, deps.sidecarPolicies.find((p) => p.name === action.policy)!, dryRun),
    deleteNamespace: recorded((action, dryRun) => need(deps.namespaces).deleteNamespace(action.target, dryRun)),
    scaleDown: recorded((action, dryRun) => {
      const spec = policy(action.policy).action;
      if (spec.kind !== "scaleDown") throw new Error(`policy ${action.policy} is not a scaleDown policy`);
      const filters = spec.filters ?? (spec.selector ? [{ kind: undefined, labels: spec.selector.requirements }] : []);
      return need(deps.namespaces).scaleDown(action.target.name, spec.kinds, filters, dryRun);
    }),
    webhook: recorded(async (action, dryRun) => {
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
          reasons: action.reasons,
          sentAt: isoSeconds(deps.clock()),
          ...(manager ? { namespaceManager: { namespace: manager.namespace, name: manager.name } } : {}),
        },
        deps.env,
        deps.webhookBackoffMs,
        deps.signal,
      );
    }),
  };
}

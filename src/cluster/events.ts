// A Kubernetes Event (events.k8s.io/v1) on the object of every action done, and a Warning for a
// failed one. Best effort: a missing Event never changes an action's outcome.
import { hostname } from "node:os";
import type { Action, DueNotice, TargetRef } from "../plan/types.ts";
import { moduleOfAction, type HAND_WIRED_ACTION_KINDS } from "../policies/targets.ts";
import type { ApiPolicy } from "./api-policy.ts";
import type { JsonClient } from "./http.ts";
import { toApiError } from "./api-error.ts";
import { isoSeconds, microTime } from "../core/clock.ts";

export const REPORTING_CONTROLLER = "kube-sweeper.io/kube-sweeper";
export const EVENTS_NAMESPACE_FOR_CLUSTER_SCOPED = "kube-system";

// A target module names its own (policies/target.ts).
const REASONS: Record<(typeof HAND_WIRED_ACTION_KINDS)[number], { reason: string; action: string }> = {
  delete: { reason: "SweptPod", action: "Delete" },
  evict: { reason: "EvictedPod", action: "Evict" },
  terminate: { reason: "SidecarTerminated", action: "TerminateSidecar" },
  deleteNamespace: { reason: "NamespaceDeleted", action: "Delete" },
  scaleDown: { reason: "ScaledDown", action: "Scale" },
  webhook: { reason: "WebhookCalled", action: "Notify" },
};
const reasonOf = (kind: Action["action"]) => (REASONS as Record<string, { reason: string; action: string }>)[kind] ?? moduleOfAction(kind)!.events[kind];

export type EventRecorder = (action: Action) => Promise<string | undefined>;

// Not retried: a create with generateName repeated after a lost answer would record it twice.
// Sent as plain JSON through the reads' client (no generated client library loaded).
export async function createEventRecorder(client: JsonClient, policy: ApiPolicy, clock: () => number): Promise<EventRecorder> {
  const instance = process.env.POD_NAME ?? hostname();
  return async (action) => {
    if (action.status !== "done" && action.status !== "failed") return undefined;
    const failed = action.status === "failed";
    const { reason, action: verb } = reasonOf(action.action);
    const { namespace, regarding } = eventPlace(action.target);
    const note = `${failed ? "failed: " : ""}policy ${action.policy}: ${action.reasons.join("; ")}${action.detail ? ` (${action.detail})` : ""}`.slice(0, 1000);
    try {
      await client.send("POST", `/apis/events.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/events`, {
        policy,
        body: {
          // The API server validates generateName as a name prefix: a trailing "-" is allowed, "." is not.
          metadata: { generateName: `${action.target.name.slice(0, 200)}-` },
          eventTime: microTime(clock()),
          reportingController: REPORTING_CONTROLLER,
          reportingInstance: instance,
          action: verb,
          reason: failed ? `${reason}Failed` : reason,
          type: failed ? "Warning" : "Normal",
          note,
          regarding,
        },
      });
      return undefined;
    } catch (error) {
      return `event not recorded: ${toApiError(error).message.split("\n")[0]}`;
    }
  };
}

/**
 * Where an Event about this target lives, and how it names it. An events.k8s.io/v1 Event
 * (eventTime set) about a cluster-scoped object (a Namespace) must live in kube-system: v1.20's
 * validation refuses any other namespace ("involvedObject.namespace: Invalid value: \"\": does
 * not match event.namespace"). An Event about a pod, or any namespaced object, lives with it.
 */
function eventPlace(target: TargetRef) {
  const served = target.resource;
  const namespaced = target.kind === "Pod" || served?.namespaced === true;
  const apiVersion = served ? (served.group ? `${served.group}/${served.version}` : served.version) : "v1";
  return {
    namespace: namespaced ? target.namespace : EVENTS_NAMESPACE_FOR_CLUSTER_SCOPED,
    regarding: { apiVersion, kind: target.kind, name: target.name, uid: target.uid, ...(namespaced ? { namespace: target.namespace } : {}) },
  };
}

export type NoticeOutcome = { status: "done" | "skipped" | "failed"; detail: string };
export type NoticeSender = (notice: DueNotice) => Promise<NoticeOutcome>;

/**
 * The notice's Event name: the object's uid and the instant it falls due. A later run that would
 * warn again about the same due time creates the same name, and the API server answers 409
 * AlreadyExists: once only, with no other permission than creating Events. (An Event lives for
 * the API server's --event-ttl, 1 h by default; after that a run inside the window warns again.)
 */
export function noticeEventName(notice: DueNotice): string {
  return `${notice.target.uid}.due-${Math.floor(notice.dueAt / 1000)}`;
}

/** A Warning Event before a deletion (`notifyBefore`); `dryRun` sends it with dryRun=All. */
export function createNoticeSender(client: JsonClient, policy: ApiPolicy, clock: () => number, dryRun: boolean): NoticeSender {
  const instance = process.env.POD_NAME ?? hostname();
  return async (notice) => {
    const { namespace, regarding } = eventPlace(notice.target);
    const name = noticeEventName(notice);
    const query = dryRun ? "?dryRun=All" : "";
    try {
      await client.send("POST", `/apis/events.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/events${query}`, {
        policy,
        body: {
          metadata: { name },
          eventTime: microTime(clock()),
          reportingController: REPORTING_CONTROLLER,
          reportingInstance: instance,
          action: "Delete",
          reason: "DeletionDue",
          type: "Warning",
          note: `policy ${notice.policy}: will be deleted at ${isoSeconds(notice.dueAt)} or at the first sweep after it: ${notice.reasons.slice(1).join("; ")}`.slice(0, 1000),
          regarding,
        },
      });
      return { status: "done", detail: `Event ${namespace}/${name}${dryRun ? " (dry run: dryRun=All)" : ""}` };
    } catch (error) {
      const failure = toApiError(error);
      if (failure.code === 409) return { status: "skipped", detail: `already notified: Event ${namespace}/${name} exists` };
      return { status: "failed", detail: `event not created: ${failure.message.split("\n")[0]}` };
    }
  };
}

// The only code that writes pods. Every write carries the planned uid as a precondition, so
// a pod deleted and recreated under the same name (a StatefulSet pod) is never hit.
import { isDisruptionBudget, toApiError, transient, type ApiError } from "./api-error.ts";
import type { JsonClient } from "./http.ts";
import type { ApiPolicy } from "./api-policy.ts";
import type { TargetRef } from "../plan/types.ts";

export type WriteStatus = "done" | "gone" | "conflict" | "blocked" | "failed" | "skipped";

export interface Outcome {
  status: WriteStatus;
  detail: string;
  /** The policy's reasons as they held when the target was read again just before the write. */
  reasons?: string[];
  /** The API server stopped answering or kept failing, retries included: start no more actions. */
  stopsRun?: string;
}

export interface PodWriter {
  /** gracePeriodSeconds: the pod's own grace period when undefined; 0 removes the object at once (a forced delete). */
  deletePod(target: TargetRef, dryRun: boolean, gracePeriodSeconds?: number): Promise<Outcome>;
  evictPod(target: TargetRef, dryRun: boolean): Promise<Outcome>;
}

// A dryRun=All DELETE of a pod bound to a node persisted its deletionTimestamp on a real
// v1.20.2 API server (seen in the e2e tier: the pod went Terminating). So a server dry run also
// carries a resourceVersion precondition no object can have: the server authenticates,
// authorizes and checks disruption budgets, then refuses with 409 before storing anything.
const NEVER_MATCHING_RESOURCE_VERSION = "0";
const DRY_RUN_PROBE = /the ResourceVersion in the precondition \(0\) does not match/;

export function preconditions(target: TargetRef, dryRun: boolean) {
  return dryRun ? { uid: target.uid, resourceVersion: NEVER_MATCHING_RESOURCE_VERSION } : { uid: target.uid };
}

export function dryRunOutcome(error: ApiError, verb: string): Outcome {
  if (error.code === 409 && DRY_RUN_PROBE.test(error.message)) {
    return { status: "done", detail: `server dry run: ${verb} authorized and accepted up to storage; nothing persisted` };
  }
  return writeFailure(error, verb);
}

// Deletes and evictions carry the planned uid, so repeating one after a lost answer can only
// find the same pod (or none): they are retried like reads. They go as plain JSON through the
// reads' client (its credentials and connections): the generated client library is not loaded
// for them, which is most of a sweep's memory.
export async function createPodWriter(client: JsonClient, api: ApiPolicy): Promise<PodWriter> {
  let evictionVersion: Promise<string> | undefined;
  const podPath = (target: TargetRef, query: Record<string, string | undefined>, sub = "") => {
    const params = new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined));
    return `/api/v1/namespaces/${encodeURIComponent(target.namespace)}/pods/${encodeURIComponent(target.name)}${sub}${params.size ? `?${params}` : ""}`;
  };

  return {
    async deletePod(target, dryRun, gracePeriodSeconds) {
      const grace = gracePeriodSeconds === undefined ? {} : { gracePeriodSeconds };
      const forced = gracePeriodSeconds === 0 ? "forced delete (gracePeriodSeconds 0): the object is removed without the kubelet" : "";
      try {
        const path = podPath(target, { dryRun: dryRun ? "All" : undefined, gracePeriodSeconds: gracePeriodSeconds?.toString() });
        await api.retrying(`delete pod ${target.namespace}/${target.name}`, () => client.send("DELETE", path, { body: { preconditions: preconditions(target, dryRun), ...grace } }));
        return { status: "done", detail: dryRun ? `server dry run: delete accepted${forced ? `; ${forced}` : ""}` : forced };
      } catch (error) {
        return dryRun ? dryRunOutcome(toApiError(error), "delete") : writeFailure(toApiError(error), "delete");
      }
    },
    async evictPod(target, dryRun) {
      evictionVersion ??= policyVersion(client);
      const apiVersion = await evictionVersion;
      try {
        const body = {
          apiVersion,
          kind: "Eviction",
          metadata: { name: target.name, namespace: target.namespace },
          deleteOptions: { preconditions: preconditions(target, dryRun), ...(dryRun ? { dryRun: ["All"] } : {}) },
        };
        await api.retrying(`evict pod ${target.namespace}/${target.name}`, () => client.send("POST", podPath(target, { dryRun: dryRun ? "All" : undefined }, "/eviction"), { body }));
        return { status: "done", detail: `${dryRun ? "server dry run: " : ""}evicted (${apiVersion})` };
      } catch (error) {
        return dryRun ? dryRunOutcome(toApiError(error), `evict (${apiVersion})`) : writeFailure(toApiError(error), "evict");
      }
    },
  };
}

/** policy/v1 Eviction is served from Kubernetes 1.22; older servers know only policy/v1beta1. */
async function policyVersion(client: JsonClient): Promise<string> {
  try {
    await client.getJson("/apis/policy/v1");
    return "policy/v1";
  } catch (error) {
    if ((error as ApiError).code === 404) return "policy/v1beta1";
    return "policy/v1";
  }
}

export function writeFailure(error: ApiError, verb: string): Outcome {
  const tries = error.attempts > 1 ? ` (after ${error.attempts} attempts)` : "";
  switch (error.code) {
    case 404:
      // An earlier attempt that got no answer may have been the one that deleted it.
      return { status: "gone", detail: error.attempts > 1 ? `gone on attempt ${error.attempts}: an earlier unanswered attempt may have deleted it` : "already deleted" };
    case 409:
      // A uid precondition mismatch: the name now belongs to a new object.
      return { status: "conflict", detail: `object was replaced: ${error.message}` };
    case 429:
      // On eviction, 429 with a DisruptionBudget cause is policy, not overload: never loop on it.
      if (verb === "evict" && isDisruptionBudget(error)) return { status: "blocked", detail: `PodDisruptionBudget: ${error.message}` };
      return { status: "failed", detail: `${verb}: too many requests: ${error.message}${tries}`, stopsRun: "the API server kept answering 429 Too Many Requests" };
    default: {
      const code = error.code === 0 ? "no answer" : `HTTP ${error.code}`;
      // Unanswered means unknown: the server may have applied it before the connection broke.
      const unknown = error.code === 0 ? "; the outcome is unknown" : "";
      const detail = `${verb}: ${code}: ${error.message}${tries}${unknown}`;
      // No answer, or a server saying it is unavailable: every further write would wait out the
      // same retries. A 500 may be about this object alone (an admission webhook), so the run goes on.
      if (!transient(error).retryable || error.code === 500) return { status: "failed", detail };
      return { status: "failed", detail, stopsRun: error.code === 0 ? "the API server stopped answering" : `the API server kept answering HTTP ${error.code}` };
    }
  }
}

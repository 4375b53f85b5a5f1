// The only code that writes pods. Every write carries the planned uid as a precondition, so
// a pod deleted and recreated under the same name (a StatefulSet pod) is never hit.
import type { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { toApiError, type ApiError } from "./api-error.ts";
import type { JsonClient } from "./http.ts";
import { callOptions } from "./client-options.ts";
import type { TargetRef } from "../plan/types.ts";

export type WriteStatus = "done" | "gone" | "conflict" | "blocked" | "failed";

export interface Outcome {
  status: WriteStatus;
  detail: string;
}

export interface PodWriter {
  deletePod(target: TargetRef, dryRun: boolean): Promise<Outcome>;
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

export async function createPodWriter(kc: KubeConfig, client: JsonClient, timeoutMs: number): Promise<PodWriter> {
  const { CoreV1Api: CoreApi, Observable } = await import("@kubernetes/client-node");
  const core: CoreV1Api = kc.makeApiClient(CoreApi);
  const options = () => callOptions(Observable, timeoutMs);
  let evictionVersion: Promise<string> | undefined;

  return {
    async deletePod(target, dryRun) {
      try {
        await core.deleteNamespacedPod(
          { name: target.name, namespace: target.namespace, dryRun: dryRun ? "All" : undefined, body: { preconditions: preconditions(target, dryRun) } },
          options(),
        );
        return { status: "done", detail: dryRun ? "server dry run: delete accepted" : "" };
      } catch (error) {
        return dryRun ? dryRunOutcome(toApiError(error), "delete") : writeFailure(toApiError(error), "delete");
      }
    },
    async evictPod(target, dryRun) {
      evictionVersion ??= policyVersion(client);
      const apiVersion = await evictionVersion;
      try {
        await core.createNamespacedPodEviction(
          {
            name: target.name,
            namespace: target.namespace,
            dryRun: dryRun ? "All" : undefined,
            body: {
              apiVersion,
              kind: "Eviction",
              metadata: { name: target.name, namespace: target.namespace },
              deleteOptions: { preconditions: preconditions(target, dryRun), ...(dryRun ? { dryRun: ["All"] } : {}) },
            },
          },
          options(),
        );
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
  switch (error.code) {
    case 404:
      return { status: "gone", detail: "already deleted" };
    case 409:
      // A uid precondition mismatch: the name now belongs to a new object.
      return { status: "conflict", detail: `object was replaced: ${error.message}` };
    case 429:
      // On eviction, 429 with a DisruptionBudget cause is policy, not overload: never loop on it.
      if (verb === "evict" && (error.causes.includes("DisruptionBudget") || /disruption budget/i.test(error.message))) {
        return { status: "blocked", detail: `PodDisruptionBudget: ${error.message}` };
      }
      return { status: "failed", detail: `${verb}: too many requests: ${error.message}` };
    default: {
      const code = error.code === 0 ? "no answer" : `HTTP ${error.code}`;
      return { status: "failed", detail: `${verb}: ${code}: ${error.message}` };
    }
  }
}

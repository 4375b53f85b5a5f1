// The only code that writes namespaces, workloads' scale and NamespaceManager objects.
import type { AppsV1Api, CoreV1Api, CustomObjectsApi, KubeConfig } from "@kubernetes/client-node";
import type { LabelSelector } from "../core/selector.ts";
import { matchesSelector } from "../core/selector.ts";
import type { ObjectMeta } from "../core/k8s.ts";
import { listAll } from "./live.ts";
import type { TargetRef } from "../plan/types.ts";
import { toApiError } from "./api-error.ts";
import { callOptions, MERGE_PATCH } from "./client-options.ts";
import type { JsonClient } from "./http.ts";
import type { ApiPolicy } from "./api-policy.ts";
import { dryRunOutcome, preconditions, writeFailure, type Outcome } from "./pod-writer.ts";
import { getIfExists } from "./fresh-reader.ts";
import type { Namespace } from "../core/k8s.ts";

const JSON_PATCH = "application/json-patch+json";

export const ORIGINAL_REPLICAS_ANNOTATION = "kube-sweeper.io/original-replicas";

export function replacedNamespace(name: string, found: string, planned: string): Outcome {
  return { status: "conflict", detail: `namespace ${name} was replaced (uid ${found}, planned ${planned}): deleted and created again under the same name; left alone` };
}

function replacedWorkload(w: { kind: string; name: string; uid: string }): Outcome {
  return { status: "conflict", detail: `${w.kind} ${w.name} was replaced since it was read (uid ${w.uid} no longer there): left alone` };
}

export type WorkloadKind = "Deployment" | "StatefulSet";

export interface WorkloadFilter {
  /** undefined: any of the kinds being scaled. */
  kind: WorkloadKind | undefined;
  labels: LabelSelector;
}

export interface Workload {
  kind: WorkloadKind;
  namespace: string;
  name: string;
  uid: string;
  replicas: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface NamespaceWriter {
  deleteNamespace(target: TargetRef, dryRun: boolean): Promise<Outcome>;
  /** Records the replica count on each workload, then scales it to 0 through the scale subresource; only in the namespace with the target's uid. */
  scaleDown(target: TargetRef, kinds: readonly WorkloadKind[], filters: WorkloadFilter[], dryRun: boolean): Promise<Outcome>;
  /** Once-only bookkeeping: an annotation on the namespace. */
  markDone(target: TargetRef, policy: string, at: string): Promise<void>;
  deactivateManager(ref: { namespace: string; name: string }): Promise<void>;
  listWorkloads(namespace: string | undefined): Promise<Workload[]>;
  scaleTo(workload: Workload, replicas: number, dryRun: boolean): Promise<Outcome>;
  setOriginalReplicas(workload: Workload, value: string | null, dryRun: boolean): Promise<Outcome>;
}

const PATHS: Record<WorkloadKind, string> = { Deployment: "deployments", StatefulSet: "statefulsets" };

interface WorkloadObject {
  metadata?: ObjectMeta;
  spec?: { replicas?: number };
}

// Every write here is safe to repeat, so each is retried: a namespace delete carries its uid, and
// the patches set absolute values (an annotation, a replica count) on the uid that was read.
export async function createNamespaceWriter(kc: KubeConfig, client: JsonClient, api: ApiPolicy): Promise<NamespaceWriter> {
  const lib = await import("@kubernetes/client-node");
  const core: CoreV1Api = kc.makeApiClient(lib.CoreV1Api);
  const apps: AppsV1Api = kc.makeApiClient(lib.AppsV1Api);
  const custom: CustomObjectsApi = kc.makeApiClient(lib.CustomObjectsApi);
  const plain = () => callOptions(lib.Observable, api);
  const merge = () => callOptions(lib.Observable, api, MERGE_PATCH);
  const jsonPatch = () => callOptions(lib.Observable, api, JSON_PATCH);
  const dry = (dryRun: boolean) => (dryRun ? "All" : undefined);

  const listWorkloads = async (namespace: string | undefined): Promise<Workload[]> => {
    const out: Workload[] = [];
    for (const kind of ["Deployment", "StatefulSet"] as const) {
      const base = namespace ? `/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/${PATHS[kind]}` : `/apis/apps/v1/${PATHS[kind]}`;
      for (const item of await listAll<WorkloadObject>(client, base)) {
        out.push({
          kind,
          namespace: item.metadata?.namespace ?? "",
          name: item.metadata?.name ?? "",
          uid: item.metadata?.uid ?? "",
          replicas: item.spec?.replicas ?? 1,
          labels: item.metadata?.labels ?? {},
          annotations: item.metadata?.annotations ?? {},
        });
      }
    }
    return out;
  };

  const setOriginalReplicas = async (w: Workload, value: string | null, dryRun: boolean): Promise<Outcome> => {
    // The uid in the patch makes it a precondition: a workload replaced since the read is refused.
    const body = { metadata: { uid: w.uid, annotations: { [ORIGINAL_REPLICAS_ANNOTATION]: value } } };
    try {
      await api.retrying(`annotate ${w.kind} ${w.namespace}/${w.name}`, () =>
        w.kind === "Deployment"
          ? apps.patchNamespacedDeployment({ name: w.name, namespace: w.namespace, body, dryRun: dry(dryRun) }, merge())
          : apps.patchNamespacedStatefulSet({ name: w.name, namespace: w.namespace, body, dryRun: dry(dryRun) }, merge()),
      );
      return { status: "done", detail: "" };
    } catch (error) {
      const e = toApiError(error);
      // The server refuses a changed metadata.uid as immutable (422): the workload was replaced.
      if (e.code === 422 && /metadata\.uid/.test(e.message)) return replacedWorkload(w);
      return writeFailure(e, `annotate ${w.kind} ${w.name}`);
    }
  };

  const scaleTo = async (w: Workload, replicas: number, dryRun: boolean): Promise<Outcome> => {
    // A JSON patch is applied by the server to the object as stored, inside the same
    // compare-and-swap as the write: the `test` makes the scale conditional on the uid that was
    // read, atomically (a merge patch's uid is not checked on the scale subresource by every version).
    const body = [
      { op: "test", path: "/metadata/uid", value: w.uid },
      { op: "replace", path: "/spec/replicas", value: replicas },
    ];
    try {
      await api.retrying(`scale ${w.kind} ${w.namespace}/${w.name}`, () =>
        w.kind === "Deployment"
          ? apps.patchNamespacedDeploymentScale({ name: w.name, namespace: w.namespace, body, dryRun: dry(dryRun) }, jsonPatch())
          : apps.patchNamespacedStatefulSetScale({ name: w.name, namespace: w.namespace, body, dryRun: dry(dryRun) }, jsonPatch()),
      );
      return { status: "done", detail: "" };
    } catch (error) {
      const e = toApiError(error);
      // A failed `test` is a 422 (the only op that can fail here); a 409 names the uid precondition.
      if (e.code === 422 || e.code === 409) return replacedWorkload(w);
      return writeFailure(e, `scale ${w.kind} ${w.name}`);
    }
  };

  /** undefined when the namespace still has the target's uid; otherwise what to report instead. */
  const boundTo = async (target: TargetRef): Promise<Outcome | undefined> => {
    let found: Namespace | undefined;
    try {
      found = await getIfExists<Namespace>(client, `/api/v1/namespaces/${encodeURIComponent(target.name)}`, { kind: "Namespace", name: target.name });
    } catch (error) {
      return writeFailure(toApiError(error), "read the namespace again");
    }
    if (!found) return { status: "gone", detail: "namespace deleted while its workloads were listed: nothing scaled" };
    if (found.metadata?.uid !== target.uid) return replacedNamespace(target.name, found.metadata?.uid ?? "", target.uid);
    return undefined;
  };

  return {
    async deleteNamespace(target, dryRun) {
      try {
        await api.retrying(`delete namespace ${target.name}`, () => core.deleteNamespace({ name: target.name, dryRun: dry(dryRun), body: { preconditions: preconditions(target, dryRun) } }, plain()));
        return { status: "done", detail: dryRun ? "server dry run: delete accepted" : "" };
      } catch (error) {
        return dryRun ? dryRunOutcome(toApiError(error), "delete namespace") : writeFailure(toApiError(error), "delete namespace");
      }
    },

    async scaleDown(target, kinds, filters, dryRun) {
      let workloads: Workload[];
      try {
        workloads = (await listWorkloads(target.name)).filter(
          (w) => kinds.includes(w.kind) && (filters.length === 0 || filters.some((f) => (f.kind === undefined || f.kind === w.kind) && matchesSelector(f.labels, w.labels))),
        );
      } catch (error) {
        return writeFailure(toApiError(error), "list workloads");
      }
      // Binding the workloads to the planned namespace: no request can make a workload write
      // conditional on its namespace's uid. But uids are never reused, so a namespace that has
      // the planned uid after the list existed all through it: the workloads listed are its own,
      // not a namespace recreated under the same name (that one can only appear after the old
      // one and its workloads are gone). Each write below is then bound to its workload's uid.
      const bound = await boundTo(target);
      if (bound) return bound;
      const scaled: string[] = [];
      const replaced: string[] = [];
      for (const w of workloads) {
        if (w.replicas === 0) continue;
        // Record first, so an interrupted run can always be restored. A count already recorded
        // by an earlier, unrestored scale-down is the original one: keep it.
        if (w.annotations[ORIGINAL_REPLICAS_ANNOTATION] === undefined) {
          const recorded = await setOriginalReplicas(w, String(w.replicas), dryRun);
          if (recorded.status === "conflict") {
            replaced.push(`${w.kind} ${w.name}`);
            continue;
          }
          if (recorded.status !== "done") return { status: "failed", detail: `${recorded.detail}${scaled.length ? `; scaled before the failure: ${scaled.join(", ")}` : ""}` };
        }
        const outcome = await scaleTo(w, 0, dryRun);
        if (outcome.status === "conflict") {
          replaced.push(`${w.kind} ${w.name}`);
          continue;
        }
        if (outcome.status !== "done") return { status: "failed", detail: `${outcome.detail}${scaled.length ? `; scaled before the failure: ${scaled.join(", ")}` : ""}` };
        scaled.push(`${w.kind} ${w.name} ${w.replicas}->0`);
      }
      const prefix = dryRun ? "server dry run: " : "";
      const notes = replaced.length ? `; replaced since read, left alone: ${replaced.join(", ")}` : "";
      return { status: "done", detail: `${scaled.length ? `${prefix}scaled ${scaled.join(", ")}` : `${prefix}nothing to scale (no matching workload above 0 replicas)`}${notes}` };
    },

    async markDone(target, policy, at) {
      await api.retrying(`annotate namespace ${target.name}`, () => core.patchNamespace({ name: target.name, body: { metadata: { uid: target.uid, annotations: { [`kube-sweeper.io/done.${policy}`]: at } } } }, merge()));
    },

    async deactivateManager(ref) {
      await api.retrying(`deactivate NamespaceManager ${ref.namespace}/${ref.name}`, () =>
        custom.patchNamespacedCustomObject(
          { group: "k8s.consol.de", version: "v1beta1", namespace: ref.namespace, plural: "namespacemanagers", name: ref.name, body: { spec: { deactivated: true } } },
          merge(),
        ),
      );
    },

    listWorkloads,
    scaleTo,
    setOriginalReplicas,
  };
}

// Where images are used: the pod templates of Deployments, StatefulSets, DaemonSets, CronJobs
// and Jobs, and bare pods, init containers included. Objects are read as plain JSON, page by
// page; a Job a CronJob made, or a pod something owns, is covered by its owner.
import type { ObjectMeta } from "../core/k8s.ts";
import { list, stringMap, text } from "../core/shape.ts";
import type { JsonClient } from "../cluster/http.ts";
import { listAll } from "../cluster/live.ts";
import { ApiError } from "../cluster/api-error.ts";
import type { IMAGE_WORKLOAD_KINDS } from "../config/schema.ts";

export type WorkloadKind = (typeof IMAGE_WORKLOAD_KINDS)[number];

export interface PodSpecLike {
  containers?: { name?: string; image?: string }[];
  initContainers?: { name?: string; image?: string }[];
  imagePullSecrets?: { name?: string }[];
  serviceAccountName?: string;
}

export interface Workload {
  kind: WorkloadKind;
  namespace: string;
  name: string;
  labels: Record<string, string>;
  spec: PodSpecLike;
  /** Why it runs nothing now (0 replicas, suspended, ...), if so. */
  disabled?: string;
}

export interface ImageUse {
  image: string;
  container: string;
  workload: Workload;
}

interface RawObject {
  kind?: string;
  metadata?: ObjectMeta;
  spec?: Record<string, unknown> & { template?: { spec?: PodSpecLike }; jobTemplate?: { spec?: { template?: { spec?: PodSpecLike } } }; replicas?: number; suspend?: boolean };
  status?: Record<string, unknown> & { desiredNumberScheduled?: number; phase?: string; conditions?: { type?: string; status?: string }[] };
}

/** A workload as the image check sees it, or undefined when its owner covers it. */
export function toWorkload(kind: WorkloadKind, raw: RawObject): Workload | undefined {
  const meta = raw.metadata && typeof raw.metadata === "object" ? raw.metadata : {};
  const owners = list(meta.ownerReferences);
  const base = { kind, namespace: text(meta.namespace) ?? "", name: text(meta.name) ?? "", labels: stringMap(meta.labels) };
  const spec = raw.spec ?? {};
  switch (kind) {
    case "Deployment":
    case "StatefulSet":
      return { ...base, spec: spec.template?.spec ?? {}, disabled: spec.replicas === 0 ? "0 replicas" : undefined };
    case "DaemonSet":
      return { ...base, spec: spec.template?.spec ?? {}, disabled: raw.status?.desiredNumberScheduled === 0 ? "scheduled on no node" : undefined };
    case "CronJob":
      return { ...base, spec: spec.jobTemplate?.spec?.template?.spec ?? {}, disabled: spec.suspend === true ? "suspended" : undefined };
    case "Job": {
      if (owners.some((o) => o?.kind === "CronJob")) return undefined;
      const finished = list(raw.status?.conditions).find((c) => (c?.type === "Complete" || c?.type === "Failed") && c.status === "True");
      return { ...base, spec: spec.template?.spec ?? {}, disabled: finished ? `finished (${finished.type})` : undefined };
    }
    case "Pod": {
      if (owners.length > 0) return undefined;
      const phase = raw.status?.phase;
      return { ...base, spec: (spec as PodSpecLike) ?? {}, disabled: phase === "Succeeded" || phase === "Failed" ? `pod ${phase}` : undefined };
    }
  }
}

export function imageUses(workload: Workload): ImageUse[] {
  return [...list(workload.spec.initContainers), ...list(workload.spec.containers)]
    .filter((c) => c && typeof c === "object")
    .map((c) => ({ image: text(c.image) ?? "", container: text(c.name) ?? "?", workload }));
}

const PATHS: Record<WorkloadKind, string[]> = {
  Deployment: ["/apis/apps/v1/{ns}deployments"],
  StatefulSet: ["/apis/apps/v1/{ns}statefulsets"],
  DaemonSet: ["/apis/apps/v1/{ns}daemonsets"],
  // batch/v1 CronJob is served from Kubernetes 1.21; older servers have batch/v1beta1 only.
  CronJob: ["/apis/batch/v1/{ns}cronjobs", "/apis/batch/v1beta1/{ns}cronjobs"],
  Job: ["/apis/batch/v1/{ns}jobs"],
  Pod: ["/api/v1/{ns}pods"],
};

/** Reads every workload of the given kinds, cluster-wide or in the given namespaces. */
export async function readWorkloads(client: JsonClient, kinds: readonly WorkloadKind[], namespaces: readonly string[] | undefined): Promise<Workload[]> {
  const out: Workload[] = [];
  for (const kind of kinds) {
    for (const ns of namespaces ?? [undefined]) {
      const prefix = ns === undefined ? "" : `namespaces/${encodeURIComponent(ns)}/`;
      const candidates = PATHS[kind].map((p) => p.replace("{ns}", prefix));
      for (const [i, path] of candidates.entries()) {
        try {
          for (const item of await listAll<RawObject>(client, path)) {
            if (!item || typeof item !== "object") continue;
            const w = toWorkload(kind, item);
            if (w) out.push(w);
          }
          break;
        } catch (error) {
          if (error instanceof ApiError && error.code === 404 && i < candidates.length - 1) continue;
          throw error;
        }
      }
    }
  }
  return out;
}

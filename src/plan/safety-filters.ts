// descheduler's default-evictor filters, opt-in per policy or in settings: pods with local
// storage, pods with PersistentVolumeClaims, pods at or above a priority threshold. Each is a
// protection naming its filter, so the skipped reason and `explain` say which one held.
import type { SafetyFilters } from "../config/schema.ts";
import type { Pod } from "../core/k8s.ts";
import type { Protection } from "./protections.ts";

/** The settings' filters with a policy's own keys taking their place. */
export function effectiveFilters(settings: SafetyFilters | undefined, policy: SafetyFilters | undefined): SafetyFilters {
  return { ...settings, ...Object.fromEntries(Object.entries(policy ?? {}).filter(([, v]) => v !== undefined)) };
}

export function safetyFilterProtections(pod: Pod, filters: SafetyFilters, priorityClasses: Map<string, number> | undefined): Protection[] {
  const out: Protection[] = [];
  const volumes = Array.isArray(pod.spec?.volumes) ? pod.spec.volumes : [];
  if (filters.localStorage) {
    // As descheduler's IsPodWithLocalStorage: any emptyDir or hostPath volume (its data dies with the pod or stays on the node).
    const local = volumes.filter((v) => v?.emptyDir || v?.hostPath).map((v) => `${v.emptyDir ? "emptyDir" : "hostPath"} ${v.name ?? "?"}`);
    if (local.length > 0) out.push({ reason: `local storage (${local.join(", ")}): safetyFilters.localStorage` });
  }
  if (filters.persistentVolumeClaims) {
    const claims = volumes.filter((v) => v?.persistentVolumeClaim).map((v) => v.persistentVolumeClaim!.claimName ?? "?");
    if (claims.length > 0) out.push({ reason: `PersistentVolumeClaims (${claims.join(", ")}): safetyFilters.persistentVolumeClaims` });
  }
  const threshold = filters.priorityThreshold;
  if (threshold) {
    const name = threshold.className;
    const limit = name === undefined ? threshold.value : priorityClasses?.get(name);
    const priority = pod.spec?.priority;
    if (limit === undefined || Number.isNaN(limit)) {
      // The threshold cannot be known: in doubt, act on nothing it guards.
      out.push({ reason: `priority threshold class ${name} not found (no such PriorityClass read): safetyFilters.priorityThreshold` });
    } else if (typeof priority === "number" && priority >= limit) {
      // As descheduler: a pod without a priority is below any threshold.
      out.push({ reason: `priority ${priority} >= threshold ${limit}${name ? ` (class ${name})` : ""}: safetyFilters.priorityThreshold` });
    }
  }
  return out;
}

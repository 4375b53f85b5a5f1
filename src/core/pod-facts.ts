// Facts derived from a pod's JSON, shared by conditions, protections and planning.
import type { ContainerStatus, OwnerReference, Pod } from "./k8s.ts";
import { parseInstant } from "./clock.ts";

export interface PodRef {
  kind: "Pod";
  namespace: string;
  name: string;
  uid: string;
}

export function podRef(pod: Pod): PodRef {
  return {
    kind: "Pod",
    namespace: pod.metadata?.namespace ?? "",
    name: pod.metadata?.name ?? "",
    uid: pod.metadata?.uid ?? "",
  };
}

export function containerStatuses(pod: Pod, includeInit: boolean): ContainerStatus[] {
  const main = pod.status?.containerStatuses ?? [];
  return includeInit ? [...(pod.status?.initContainerStatuses ?? []), ...main] : main;
}

export function totalRestarts(pod: Pod, includeInit: boolean): number {
  return containerStatuses(pod, includeInit).reduce((sum, cs) => sum + safeCount(cs.restartCount), 0);
}

function safeCount(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : 0;
}

export interface ObservedExit {
  container: string;
  exitCode: number;
  which: "current" | "last";
}

/** Exit codes from every container's current and last terminated state (init containers if asked). */
export function observedExitCodes(pod: Pod, includeInit: boolean): ObservedExit[] {
  const out: ObservedExit[] = [];
  for (const cs of containerStatuses(pod, includeInit)) {
    const name = cs.name ?? "?";
    const current = cs.state?.terminated?.exitCode;
    if (typeof current === "number") out.push({ container: name, exitCode: current, which: "current" });
    const last = cs.lastState?.terminated?.exitCode;
    if (typeof last === "number") out.push({ container: name, exitCode: last, which: "last" });
  }
  return out;
}

export interface ObservedReason {
  source: string;
  reason: string;
}

/** Reasons from container waiting/terminated states (current and last; init containers if asked) and the pod itself. */
export function observedReasons(pod: Pod, includeInit: boolean): ObservedReason[] {
  const out: ObservedReason[] = [];
  if (pod.status?.reason) out.push({ source: "pod", reason: pod.status.reason });
  for (const cs of containerStatuses(pod, includeInit)) {
    const name = `container ${cs.name ?? "?"}`;
    for (const state of [cs.state, cs.lastState]) {
      if (state?.waiting?.reason) out.push({ source: name, reason: state.waiting.reason });
      if (state?.terminated?.reason) out.push({ source: name, reason: state.terminated.reason });
    }
  }
  return out;
}

export function controllerOf(pod: Pod): OwnerReference | undefined {
  const owners = pod.metadata?.ownerReferences ?? [];
  return owners.find((o) => o.controller) ?? owners[0];
}

export function ownerLabel(owner: OwnerReference): string {
  return `${owner.kind ?? "?"} ${owner.name ?? "?"}`;
}

export function creationTime(pod: { metadata?: { creationTimestamp?: string } }): number | undefined {
  return parseInstant(pod.metadata?.creationTimestamp);
}

export function podCondition(pod: Pod, type: string) {
  return pod.status?.conditions?.find((c) => c.type === type);
}

export const MIRROR_ANNOTATION = "kubernetes.io/config.mirror";
export const CONFIG_SOURCE_ANNOTATION = "kubernetes.io/config.source";
export const SYSTEM_CRITICAL_CLASSES = ["system-cluster-critical", "system-node-critical"];
// Pods at or above this priority are system-critical even without the named class.
export const SYSTEM_CRITICAL_PRIORITY = 2_000_000_000;

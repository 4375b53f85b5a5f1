// Does a pod have a sidecar lingering after its main containers finished? Pure: every check is
// a verdict with a reason, for the report and `explain`.
import type { SidecarPolicy } from "../../config/schema.ts";
import type { Container, ContainerStatus, Pod } from "../../core/k8s.ts";
import { parseInstant } from "../../core/clock.ts";
import { formatDuration } from "../../core/duration.ts";
import type { NamedVerdict } from "../pods/match.ts";

export const SIDECARS_ANNOTATION = "kube-sweeper.io/sidecars";
const KRUISE_ENV = "KRUISE_TERMINATE_SIDECAR_WHEN_JOB_EXIT";
const KUBEXIT_ENV = "KUBEXIT_DEATH_DEPS";

export interface SidecarVerdict {
  checks: NamedVerdict[];
  /** Sidecars still running: what a terminate action stops. */
  running: string[];
  matched: boolean;
}

const envValue = (c: Container, name: string) => c.env?.find((e) => e.name === name)?.value;

/** The pod's sidecars among its regular containers, and why each is one. */
export function recognisedSidecars(pod: Pod, policy: Pick<SidecarPolicy, "sidecars">): Map<string, string> {
  const containers = pod.spec?.containers ?? [];
  const names = new Set(containers.map((c) => c.name ?? ""));
  const byAnnotation = (pod.metadata?.annotations?.[SIDECARS_ANNOTATION] ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  const out = new Map<string, string>();
  for (const c of containers) {
    const name = c.name ?? "";
    if (policy.sidecars.names?.includes(name)) out.set(name, "sidecars.names");
    else if (envValue(c, KRUISE_ENV) === "true") out.set(name, `env ${KRUISE_ENV}=true`);
    else if (byAnnotation.includes(name)) out.set(name, `annotation ${SIDECARS_ANNOTATION}`);
    else {
      // kubexit: a container that must die when another container of the pod dies.
      const deps = (envValue(c, KUBEXIT_ENV) ?? "").split(",").map((d) => d.trim()).filter((d) => d && d !== name && names.has(d));
      if (deps.length > 0) out.set(name, `env ${KUBEXIT_ENV}=${deps.join(",")}`);
    }
  }
  return out;
}

export function qualifySidecars(pod: Pod, policy: SidecarPolicy, now: number): SidecarVerdict {
  const checks: NamedVerdict[] = [];
  const fail = (check: string, reason: string): SidecarVerdict => {
    checks.push({ check, holds: false, reason });
    return { checks, running: [], matched: false };
  };
  const restartPolicy = pod.spec?.restartPolicy ?? "Always";
  if (restartPolicy !== "Never" && restartPolicy !== "OnFailure") return fail("restartPolicy", `restartPolicy ${restartPolicy}: not a Job-style pod`);
  checks.push({ check: "restartPolicy", holds: true, reason: `restartPolicy ${restartPolicy}` });
  const phase = pod.status?.phase;
  if (phase === "Pending" || !phase) return fail("phase", `phase ${phase ?? "not reported"}`);
  if (pod.metadata?.deletionTimestamp) return fail("phase", "pod is terminating");

  const native = (pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === "Always").map((c) => c.name ?? "");
  const nativeNamed = native.filter((n) => policy.sidecars.names?.includes(n));
  if (nativeNamed.length > 0) {
    checks.push({ check: "sidecars", holds: true, reason: `native sidecar ${nativeNamed.join(", ")} (an init container with restartPolicy Always) is stopped by the kubelet itself: never touched` });
  }
  const sidecars = recognisedSidecars(pod, policy);
  if (sidecars.size === 0) return fail("sidecars", "no sidecar recognised among the containers");
  checks.push({ check: "sidecars", holds: true, reason: `sidecars: ${[...sidecars].map(([n, why]) => `${n} (${why})`).join(", ")}` });

  const statuses = new Map<string, ContainerStatus>((pod.status?.containerStatuses ?? []).map((cs) => [cs.name ?? "", cs]));
  const mains = (pod.spec?.containers ?? []).map((c) => c.name ?? "").filter((n) => !sidecars.has(n));
  if (mains.length === 0) return fail("mainContainers", "every container is a sidecar: no main container to wait for");
  const exits: string[] = [];
  let lastFinish = Number.NEGATIVE_INFINITY;
  for (const name of mains) {
    const terminated = statuses.get(name)?.state?.terminated;
    if (!statuses.has(name)) return fail("mainContainers", `no status for main container ${name}`);
    if (!terminated) return fail("mainContainers", `main container ${name} has not terminated`);
    const code = terminated.exitCode;
    if (restartPolicy === "OnFailure" && code !== 0) return fail("mainContainers", `main container ${name} exited ${code ?? "?"} under restartPolicy OnFailure: it will be restarted`);
    exits.push(`${name} exited ${code ?? "?"}`);
    lastFinish = Math.max(lastFinish, parseInstant(terminated.finishedAt) ?? Number.NEGATIVE_INFINITY);
  }
  checks.push({ check: "mainContainers", holds: true, reason: `main containers done: ${exits.join(", ")}` });

  const running = [...sidecars.keys()].filter((n) => statuses.get(n)?.state?.running !== undefined);
  if (running.length === 0) return fail("sidecarsRunning", "no sidecar is still running");
  const stopped = [...sidecars.keys()].filter((n) => !running.includes(n));
  checks.push({ check: "sidecarsRunning", holds: true, reason: `still running: ${running.join(", ")}${stopped.length ? ` (already stopped: ${stopped.join(", ")})` : ""}` });

  if (policy.when.lingeringFor !== undefined) {
    if (!Number.isFinite(lastFinish)) return fail("lingeringFor", "main containers' finish time not reported");
    const lingering = now - lastFinish;
    const holds = lingering >= policy.when.lingeringFor;
    checks.push({ check: "lingeringFor", holds, reason: `lingering ${formatDuration(Math.max(0, lingering))} ${holds ? ">=" : "<"} ${formatDuration(policy.when.lingeringFor)}` });
    if (!holds) return { checks, running, matched: false };
  }
  return { checks, running, matched: true };
}

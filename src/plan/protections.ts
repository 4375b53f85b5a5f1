// Global protections, one step of their own. Every reason a pod is protected is listed, not
// just the first, so `explain` and the report tell the whole story.
import { BUILTIN_PROTECTED_NAMESPACES, BUILTIN_PROTECTED_NAMESPACE_TARGETS, type ProtectionOptOut, type Settings } from "../config/schema.ts";
import type { Pod } from "../core/k8s.ts";
import { controllerOf, MIRROR_ANNOTATION, SYSTEM_CRITICAL_CLASSES, SYSTEM_CRITICAL_PRIORITY } from "../core/pod-facts.ts";
import type { NamespaceInfo } from "../policies/verdict.ts";
import { text } from "../core/shape.ts";

export const PROTECT_ANNOTATION = "kube-sweeper.io/protect";

export interface ProtectionContext {
  protectedNamespaces: ReadonlySet<string>;
  namespaces: Map<string, NamespaceInfo> | undefined;
  /** The sweeper's own pod when it runs in the cluster; namespace undefined = not known, any namespace. */
  self: { namespace: string | undefined; name: string } | undefined;
}

/** The protected namespaces: the built-in ones (less those explicitly unprotected) and the config's. */
export function protectedNamespaceSet(settings: Pick<Settings, "protectedNamespaces" | "unprotectBuiltinNamespaces">, forNamespaceTargets: boolean): Set<string> {
  const builtin: readonly string[] = forNamespaceTargets ? BUILTIN_PROTECTED_NAMESPACE_TARGETS : BUILTIN_PROTECTED_NAMESPACES;
  const unprotected: readonly string[] = settings.unprotectBuiltinNamespaces;
  return new Set([...builtin.filter((ns) => !unprotected.includes(ns)), ...settings.protectedNamespaces]);
}

export interface Protection {
  /** Set when a policy may switch this protection off with ignoreProtections. */
  optOut?: ProtectionOptOut;
  /** The "already terminating" protection: waived only for a forced delete whose node is gone or not Ready long enough. */
  terminating?: true;
  reason: string;
}

export function podProtections(pod: Pod, ctx: ProtectionContext): Protection[] {
  const meta = pod.metadata && typeof pod.metadata === "object" ? pod.metadata : {};
  const out: Protection[] = [];
  const missing = (["name", "namespace", "uid", "creationTimestamp"] as const).filter((field) => !text(meta[field]));
  if (missing.length > 0) out.push({ reason: `incomplete object (missing metadata.${missing.join(", metadata.")})` });
  const namespace = meta.namespace ?? "";
  if (ctx.protectedNamespaces.has(namespace)) out.push({ reason: `protected namespace ${namespace}` });
  if (meta.annotations?.[PROTECT_ANNOTATION] === "true") out.push({ reason: `annotated ${PROTECT_ANNOTATION}=true` });
  if (ctx.namespaces?.get(namespace)?.annotations[PROTECT_ANNOTATION] === "true") {
    out.push({ reason: `namespace ${namespace} annotated ${PROTECT_ANNOTATION}=true` });
  }
  const owner = controllerOf(pod);
  if (meta.annotations?.[MIRROR_ANNOTATION] !== undefined || owner?.kind === "Node") {
    out.push({ reason: "mirror (static) pod: the kubelet owns it" });
  }
  if (meta.deletionTimestamp) out.push({ terminating: true, reason: `already terminating since ${meta.deletionTimestamp}` });
  if (ctx.self && (ctx.self.namespace === undefined || ctx.self.namespace === namespace) && ctx.self.name === meta.name) out.push({ reason: "the sweeper's own pod" });
  if (owner?.kind === "DaemonSet") out.push({ optOut: "daemonset-pods", reason: `DaemonSet pod (${owner.name ?? "?"})` });
  const priorityClass = pod.spec?.priorityClassName;
  if ((priorityClass && SYSTEM_CRITICAL_CLASSES.includes(priorityClass)) || (pod.spec?.priority ?? 0) >= SYSTEM_CRITICAL_PRIORITY) {
    out.push({ optOut: "system-critical", reason: `system-critical priority (${priorityClass ?? pod.spec?.priority})` });
  }
  if (!owner) out.push({ optOut: "bare-pods", reason: "bare pod (no owner would recreate it)" });
  return out;
}

/** The protections that still hold for a policy, after its ignoreProtections. */
export function protectionsFor(all: Protection[], ignored: readonly ProtectionOptOut[] | undefined): Protection[] {
  if (!ignored?.length) return all;
  return all.filter((p) => p.optOut === undefined || !ignored.includes(p.optOut));
}

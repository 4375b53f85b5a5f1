// What protects a resource target, every reason listed: the global protections pods have too
// (protected namespaces, the protect annotation on the object or its namespace), a controller
// that owns the object, and the objects the cluster itself relies on.
import { PROTECT_ANNOTATION } from "../../plan/protections.ts";
import { text } from "../../core/shape.ts";
import type { NamespaceInfo } from "../verdict.ts";
import type { ResourceObject } from "./context.ts";
import { RESOURCE_PROTECTION_OPT_OUTS } from "./schema.ts";

export interface ResourceProtection {
  /** Set when a policy may switch this protection off with ignoreProtections. */
  optOut?: (typeof RESOURCE_PROTECTION_OPT_OUTS)[number];
  reason: string;
}

export interface ResourceProtectionContext {
  /** As for pod targets: the built-in ones (unless unprotected) and settings.protectedNamespaces. */
  protectedNamespaces: ReadonlySet<string>;
  namespaces: Map<string, NamespaceInfo> | undefined;
  /** The sweeper's own lock (a Lease). */
  lock: { namespace: string; name: string } | undefined;
}

export function resourceProtections(obj: ResourceObject, ctx: ResourceProtectionContext): ResourceProtection[] {
  const out: ResourceProtection[] = [];
  const meta = obj.raw.metadata && typeof obj.raw.metadata === "object" ? obj.raw.metadata : {};
  const missing = ["name", "uid", "creationTimestamp", ...(obj.kind.namespaced ? ["namespace"] : [])].filter((field) => !text(meta[field as keyof typeof meta]));
  if (missing.length > 0) out.push({ reason: `incomplete object (missing metadata.${missing.join(", metadata.")})` });
  if (obj.kind.namespaced && ctx.protectedNamespaces.has(obj.namespace)) {
    out.push({ reason: `protected namespace ${obj.namespace}` });
  }
  if (obj.annotations[PROTECT_ANNOTATION] === "true") out.push({ reason: `annotated ${PROTECT_ANNOTATION}=true` });
  if (obj.kind.namespaced && ctx.namespaces?.get(obj.namespace)?.annotations[PROTECT_ANNOTATION] === "true") {
    out.push({ reason: `namespace ${obj.namespace} annotated ${PROTECT_ANNOTATION}=true` });
  }
  if (text(meta.deletionTimestamp)) out.push({ reason: `already being deleted since ${meta.deletionTimestamp}` });
  const controller = Array.isArray(meta.ownerReferences) ? meta.ownerReferences.find((o) => o?.controller === true) : undefined;
  if (controller) {
    out.push({ optOut: "owned", reason: `owned by ${controller.kind ?? "?"} ${controller.name ?? "?"} (controller): deleting it would only make the owner recreate it` });
  }
  const relied = reliedOn(obj, ctx);
  if (relied) out.push({ reason: `the cluster relies on it: ${relied}` });
  return out;
}

/** Objects Kubernetes itself creates and expects to find; never candidates, whatever a policy says. */
function reliedOn(obj: ResourceObject, ctx: ResourceProtectionContext): string | undefined {
  const core = obj.kind.group === "";
  if (core && obj.kind.resource === "configmaps" && obj.name === "kube-root-ca.crt") return "the API server's CA bundle, published in every namespace";
  if (core && obj.kind.resource === "serviceaccounts" && obj.name === "default") return "every namespace's default ServiceAccount";
  if (core && obj.kind.resource === "secrets" && obj.raw.type === "kubernetes.io/service-account-token") {
    return `a service account token (${obj.annotations["kubernetes.io/service-account.name"] ?? "?"}), managed by the token controller`;
  }
  if (obj.labels["kubernetes.io/bootstrapping"] === "rbac-defaults") return "a default RBAC object (kubernetes.io/bootstrapping=rbac-defaults)";
  if (!obj.kind.namespaced && obj.name.startsWith("system:")) return "a system object (system: prefix)";
  if (ctx.lock && obj.kind.group === "coordination.k8s.io" && obj.kind.resource === "leases" && obj.namespace === ctx.lock.namespace && obj.name === ctx.lock.name) {
    return "kube-sweeper's own lock";
  }
  return undefined;
}

/** The protections that still hold for a policy, after its ignoreProtections. */
export function resourceProtectionsFor(all: ResourceProtection[], ignored: readonly string[] | undefined): ResourceProtection[] {
  if (!ignored?.length) return all;
  return all.filter((p) => p.optOut === undefined || !ignored.includes(p.optOut));
}

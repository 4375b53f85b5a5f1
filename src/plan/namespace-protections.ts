// Namespaces that are never acted on, every reason listed.
import type { NamespaceInfo } from "../policies/verdict.ts";
import { PROTECT_ANNOTATION } from "./protections.ts";

/** Always protected, whatever settings.protectedNamespaces says. */
export const ALWAYS_PROTECTED_NAMESPACES = ["kube-system", "kube-public", "kube-node-lease", "default"];

export function namespaceProtections(ns: NamespaceInfo, protectedNamespaces: ReadonlySet<string>, selfNamespace: string | undefined): string[] {
  const out: string[] = [];
  if (!ns.name || !ns.uid || !ns.creationTimestamp) out.push("incomplete object (missing name, uid or creationTimestamp)");
  if (ALWAYS_PROTECTED_NAMESPACES.includes(ns.name) || protectedNamespaces.has(ns.name)) out.push(`protected namespace ${ns.name}`);
  if (selfNamespace === ns.name) out.push("the sweeper's own namespace");
  if (ns.annotations[PROTECT_ANNOTATION] === "true") out.push(`annotated ${PROTECT_ANNOTATION}=true`);
  if (ns.deletionTimestamp || ns.phase === "Terminating") out.push("already terminating");
  return out;
}

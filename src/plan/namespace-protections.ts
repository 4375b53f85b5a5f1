// Namespaces that are never acted on, every reason listed.
import type { NamespaceInfo } from "../policies/verdict.ts";
import { PROTECT_ANNOTATION } from "./protections.ts";

export function namespaceProtections(ns: NamespaceInfo, protectedNamespaces: ReadonlySet<string>, selfNamespace: string | undefined): string[] {
  const out: string[] = [];
  if (!ns.name || !ns.uid || !ns.creationTimestamp) out.push("incomplete object (missing name, uid or creationTimestamp)");
  // protectedNamespaces holds the built-in ones too (protectedNamespaceSet).
  if (protectedNamespaces.has(ns.name)) out.push(`protected namespace ${ns.name}`);
  if (selfNamespace === ns.name) out.push("the sweeper's own namespace");
  if (ns.annotations[PROTECT_ANNOTATION] === "true") out.push(`annotated ${PROTECT_ANNOTATION}=true`);
  if (ns.deletionTimestamp || ns.phase === "Terminating") out.push("already terminating");
  return out;
}

// What a resource condition sees: the object (as JSON, with its kind from discovery), the run's
// clock, and the references pods make to ConfigMaps, Secrets, PVCs and ServiceAccounts.
import type { ResourceKind } from "../../cluster/discovery.ts";
import type { KubeObject } from "../../core/k8s.ts";
import { parseInstant } from "../../core/clock.ts";
import { stringMap, text } from "../../core/shape.ts";
import type { NamespaceInfo, Verdict } from "../verdict.ts";
import type { ReferenceIndex } from "./references.ts";

export type { KubeObject };

export interface ResourceObject {
  raw: KubeObject;
  kind: ResourceKind;
  /** "" for a cluster-scoped object. */
  namespace: string;
  name: string;
  uid: string;
  created: number | undefined;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export function resourceObject(raw: KubeObject, kind: ResourceKind): ResourceObject {
  const meta = raw.metadata && typeof raw.metadata === "object" ? raw.metadata : {};
  return {
    raw,
    kind,
    namespace: text(meta.namespace) ?? "",
    name: text(meta.name) ?? "",
    uid: text(meta.uid) ?? "",
    created: parseInstant(text(meta.creationTimestamp)),
    labels: stringMap(meta.labels),
    annotations: stringMap(meta.annotations),
  };
}

export interface ResourceContext {
  now: number;
  /** Built when some policy has `unused`; undefined otherwise. */
  references: ReferenceIndex | undefined;
  /** Namespaces with their labels and annotations, when read (namespaceSelector, the protect annotation). */
  namespaces?: Map<string, NamespaceInfo> | undefined;
  /** Each policy's kinds as discovery resolved them (qualified names, e.g. deployments.apps). */
  kindsByPolicy?: Map<string, Set<string>>;
}

/** A condition: whether it holds for the object, and a sentence with the numbers. */
export type ResourceCheck<P> = (obj: ResourceObject, param: P, ctx: ResourceContext) => Verdict;

/**
 * An object whose creation time is unknown or in the future satisfies no condition: a clock
 * that disagrees is no evidence of age, and every condition here is about time or leftovers.
 */
export function ageProblem(obj: ResourceObject, now: number): string | undefined {
  if (obj.created === undefined) return "no creationTimestamp: age unknown, no condition holds";
  if (obj.created > now) return "created in the future (clock skew): no condition holds";
  return undefined;
}

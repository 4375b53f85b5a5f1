// Objects of any kind for resource policies, from the API (discovery, then paged and streamed
// lists) or from a snapshot (`kubectl get all,pvc,cm,widgets -A -o json`). Either way the
// objects come page by page and the caller keeps only what it needs.
import type { KubeObject } from "../core/k8s.ts";
import type { Logger } from "../core/log.ts";
import type { JsonClient } from "./http.ts";
import { accessError, PAGE_LIMIT, pagedList } from "./live.ts";
import { collectionPath, discoverResources, type ResourceKind } from "./discovery.ts";
import { wellKnownKinds } from "../core/well-known-kinds.ts";
import { snapshotObjects } from "./snapshot.ts";

export interface ResourcePage {
  items: KubeObject[];
  /** The list started over (an expired continue token): discard what this list gave so far. */
  restarted: boolean;
}

export interface ResourceSource {
  /** Every kind served (live: discovery; snapshot: the built-in kinds and every kind in the dump). */
  served(): Promise<ResourceKind[]>;
  /** One kind's objects page by page, in one namespace or (undefined) everywhere. */
  pages(kind: ResourceKind, namespace: string | undefined): AsyncIterable<ResourcePage>;
  /** Where the objects come from, for messages. */
  live: boolean;
}

export function liveResourceSource(client: JsonClient, log: Logger, pageLimit = PAGE_LIMIT): ResourceSource {
  let served: Promise<ResourceKind[]> | undefined;
  return {
    live: true,
    served: () => (served ??= discoverResources(client, log)),
    async *pages(kind, namespace) {
      const path = collectionPath(kind, namespace);
      try {
        yield* pagedList<KubeObject>(client, path, pageLimit, undefined);
      } catch (error) {
        throw accessError(error, `list ${path}`);
      }
    },
  };
}

const PAGE_SIZE = 500;

/**
 * A snapshot has no discovery: kinds are the well-known built-in ones, the CustomResourceDefinitions
 * in the dump, and any other kind found in it (its resource name guessed as Kubernetes' own
 * UnsafeGuessKindToResource does: lower case, then -s, -es after s, -ies after a consonant and y).
 */
export function snapshotResourceSource(path: string): ResourceSource {
  const objects = snapshotObjects(path) as KubeObject[];
  const groupOf = (apiVersion: unknown) => (typeof apiVersion === "string" && apiVersion.includes("/") ? apiVersion.split("/")[0]! : "");
  const kinds: ResourceKind[] = wellKnownKinds();
  const known = (group: string, kind: string) => kinds.some((k) => k.group === group && k.kind === kind);
  for (const o of objects) {
    if (o.kind !== "CustomResourceDefinition") continue;
    const spec = o.spec as { group?: string; names?: { plural?: string; kind?: string; singular?: string; shortNames?: string[] }; scope?: string; versions?: { name?: string; storage?: boolean }[] } | undefined;
    if (!spec?.group || !spec.names?.plural || !spec.names.kind || known(spec.group, spec.names.kind)) continue;
    const version = spec.versions?.find((v) => v.storage)?.name ?? spec.versions?.[0]?.name ?? "v1";
    kinds.push({ group: spec.group, version, resource: spec.names.plural, kind: spec.names.kind, namespaced: spec.scope !== "Cluster", verbs: ["list", "delete"], ...(spec.names.singular ? { singular: spec.names.singular } : {}), ...(spec.names.shortNames ? { shortNames: spec.names.shortNames } : {}) });
  }
  for (const o of objects) {
    if (typeof o.kind !== "string" || typeof o.apiVersion !== "string" || known(groupOf(o.apiVersion), o.kind)) continue;
    const version = o.apiVersion.split("/").at(-1)!;
    kinds.push({ group: groupOf(o.apiVersion), version, resource: guessResource(o.kind), kind: o.kind, namespaced: typeof o.metadata?.namespace === "string", verbs: ["list", "delete"] });
  }
  return {
    live: false,
    served: async () => kinds,
    async *pages(kind, namespace) {
      const mine = objects.filter((o) => o.kind === kind.kind && groupOf(o.apiVersion) === kind.group && (namespace === undefined || o.metadata?.namespace === namespace));
      for (let i = 0; i < mine.length; i += PAGE_SIZE) yield { items: mine.slice(i, i + PAGE_SIZE), restarted: false };
    },
  };
}

export function guessResource(kind: string): string {
  const lower = kind.toLowerCase();
  if (lower.endsWith("s")) return `${lower}es`;
  if (lower.endsWith("y") && !/[aeiou]y$/.test(lower)) return `${lower.slice(0, -1)}ies`;
  return `${lower}s`;
}

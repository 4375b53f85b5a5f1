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

/**
 * A snapshot has no discovery: kinds are the well-known built-in ones, the CustomResourceDefinitions
 * in the dump, and any other kind found in it (its resource name guessed as Kubernetes' own
 * UnsafeGuessKindToResource does: lower case, then -s, -es after s, -ies after a consonant and y).
 * The file is streamed, once for the kinds and once per kind read, so no dump is held whole.
 */
export function snapshotResourceSource(path: string): ResourceSource {
  const groupOf = (apiVersion: unknown) => (typeof apiVersion === "string" && apiVersion.includes("/") ? apiVersion.split("/")[0]! : "");
  let served: Promise<ResourceKind[]> | undefined;
  const discover = async (): Promise<ResourceKind[]> => {
    const kinds: ResourceKind[] = wellKnownKinds();
    const known = (group: string, kind: string) => kinds.some((k) => k.group === group && k.kind === kind);
    const found = new Map<string, ResourceKind>();
    for await (const batch of snapshotObjects(path)) {
      for (const o of batch as KubeObject[]) {
        if (o.kind === "CustomResourceDefinition") {
          const spec = o.spec as { group?: string; names?: { plural?: string; kind?: string; singular?: string; shortNames?: string[] }; scope?: string; versions?: { name?: string; storage?: boolean }[] } | undefined;
          if (!spec?.group || !spec.names?.plural || !spec.names.kind || known(spec.group, spec.names.kind)) continue;
          const version = spec.versions?.find((v) => v.storage)?.name ?? spec.versions?.[0]?.name ?? "v1";
          kinds.push({ group: spec.group, version, resource: spec.names.plural, kind: spec.names.kind, namespaced: spec.scope !== "Cluster", verbs: ["list", "delete"], ...(spec.names.singular ? { singular: spec.names.singular } : {}), ...(spec.names.shortNames ? { shortNames: spec.names.shortNames } : {}) });
          found.delete(`${spec.group}/${spec.names.kind}`);
        } else if (typeof o.kind === "string" && typeof o.apiVersion === "string" && !known(groupOf(o.apiVersion), o.kind)) {
          const key = `${groupOf(o.apiVersion)}/${o.kind}`;
          if (!found.has(key)) found.set(key, { group: groupOf(o.apiVersion), version: o.apiVersion.split("/").at(-1)!, resource: guessResource(o.kind), kind: o.kind, namespaced: typeof o.metadata?.namespace === "string", verbs: ["list", "delete"] });
        }
      }
    }
    return [...kinds, ...[...found.values()].filter((k) => !known(k.group, k.kind))];
  };
  return {
    live: false,
    served: () => (served ??= discover()),
    async *pages(kind, namespace) {
      for await (const batch of snapshotObjects(path)) {
        const mine = (batch as KubeObject[]).filter((o) => o.kind === kind.kind && groupOf(o.apiVersion) === kind.group && (namespace === undefined || o.metadata?.namespace === namespace));
        if (mine.length > 0) yield { items: mine, restarted: false };
      }
    },
  };
}

export function guessResource(kind: string): string {
  const lower = kind.toLowerCase();
  if (lower.endsWith("s")) return `${lower}es`;
  if (lower.endsWith("y") && !/[aeiou]y$/.test(lower)) return `${lower.slice(0, -1)}ies`;
  return `${lower}s`;
}

// Which kinds the API server serves: the discovery documents (/api, /apis and each group's
// preferred version), as kubectl reads them. Custom resources appear here exactly like built-in
// ones. Resolving a config's `kinds` against them is pure, so the same code serves a live
// cluster, a snapshot and the tests.
import type { Logger } from "../core/log.ts";
import type { JsonClient } from "./http.ts";
import { ApiError } from "./api-error.ts";
import { accessError } from "./live.ts";

export interface ResourceKind {
  /** "" for the core group. */
  group: string;
  version: string;
  /** The plural resource name used in paths and RBAC: "deployments". */
  resource: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
  singular?: string;
  shortNames?: string[];
}

interface ApiResource {
  name?: string;
  singularName?: string;
  namespaced?: boolean;
  kind?: string;
  verbs?: string[];
  shortNames?: string[];
}

interface ApiResourceList {
  groupVersion?: string;
  resources?: ApiResource[];
}

interface ApiGroupList {
  groups?: { name?: string; preferredVersion?: { groupVersion?: string; version?: string }; versions?: { groupVersion?: string; version?: string }[] }[];
}

export const apiVersionOf = (k: Pick<ResourceKind, "group" | "version">) => (k.group ? `${k.group}/${k.version}` : k.version);

/** "deployments.apps", or "configmaps" for the core group: the spelling `kinds` and kubectl use. */
export const qualifiedName = (k: Pick<ResourceKind, "group" | "resource">) => (k.group ? `${k.resource}.${k.group}` : k.resource);

/** The collection path of a kind, cluster-wide or in one namespace. */
export function collectionPath(k: ResourceKind, namespace?: string): string {
  const base = k.group ? `/apis/${k.group}/${k.version}` : `/api/${k.version}`;
  return `${base}${namespace !== undefined && k.namespaced ? `/namespaces/${encodeURIComponent(namespace)}` : ""}/${k.resource}`;
}

export function objectPath(k: ResourceKind, namespace: string, name: string): string {
  return `${collectionPath(k, k.namespaced ? namespace : undefined)}/${encodeURIComponent(name)}`;
}

// How many group documents are asked for at once (a cluster with many CRDs has dozens of groups).
const DISCOVERY_CONCURRENCY = 8;

/**
 * Every resource the server serves, at each group's preferred version. A group that does not
 * answer (an aggregated API whose backend is down answers 503) is left out with a warning, as
 * kubectl does; its kinds then count as not served.
 */
export async function discoverResources(client: JsonClient, log: Logger): Promise<ResourceKind[]> {
  let core: { versions?: string[] };
  let groups: ApiGroupList;
  try {
    [core, groups] = await Promise.all([client.getJson<{ versions?: string[] }>("/api"), client.getJson<ApiGroupList>("/apis")]);
  } catch (error) {
    throw accessError(error, "read the API discovery documents (/api, /apis)");
  }
  // Every version of a group is read: a kind missing from the preferred version is taken from the
  // next version that serves it, as kubectl does (batch/v1beta1 CronJobs on servers before 1.21).
  const groupVersions = [
    ...(core.versions?.includes("v1") ? [{ group: "", versions: ["v1"] }] : []),
    ...(groups.groups ?? []).flatMap((g) => {
      const preferred = g.preferredVersion?.version ?? g.versions?.[0]?.version;
      const others = (g.versions ?? []).map((v) => v.version).filter((v): v is string => typeof v === "string" && v !== preferred);
      return g.name && preferred ? [{ group: g.name, versions: [preferred, ...others] }] : [];
    }),
  ];
  const documents = groupVersions.flatMap((g) => g.versions.map((version) => ({ group: g.group, version, path: g.group ? `/apis/${g.group}/${version}` : `/api/${version}` })));
  const read: ResourceKind[][] = [];
  for (let i = 0; i < documents.length; i += DISCOVERY_CONCURRENCY) {
    const batch = documents.slice(i, i + DISCOVERY_CONCURRENCY);
    read.push(
      ...(await Promise.all(
        batch.map(async (gv) => {
          try {
            return resourcesOf(gv.group, gv.version, await client.getJson<ApiResourceList>(gv.path));
          } catch (error) {
            if (error instanceof ApiError && error.code !== 401 && error.code !== 0) {
              log.warn(`discovery: ${gv.path} did not answer (HTTP ${error.code}); its kinds are treated as not served`);
              return [];
            }
            throw accessError(error, `read ${gv.path}`);
          }
        }),
      )),
    );
  }
  // Documents are in preference order: the first version serving a resource wins.
  const out: ResourceKind[] = [];
  for (const kind of read.flat()) if (!out.some((k) => k.group === kind.group && k.resource === kind.resource)) out.push(kind);
  return out;
}

/** The kinds of one discovery document, subresources (deployments/scale) left out. */
export function resourcesOf(group: string, version: string, list: ApiResourceList): ResourceKind[] {
  return (list.resources ?? [])
    .filter((r): r is ApiResource & { name: string; kind: string } => typeof r.name === "string" && !r.name.includes("/") && typeof r.kind === "string")
    .map((r) => ({
      group,
      version,
      resource: r.name,
      kind: r.kind,
      namespaced: r.namespaced === true,
      verbs: Array.isArray(r.verbs) ? r.verbs : [],
      ...(r.singularName ? { singular: r.singularName } : {}),
      ...(r.shortNames?.length ? { shortNames: r.shortNames } : {}),
    }));
}

/**
 * Kinds that are never resource targets: they have their own target (pods, namespaces), the
 * cluster runs on them (nodes), or deleting one deletes every object of a kind (CRDs).
 */
const NEVER_TARGETS: Record<string, string> = {
  pods: "pods have their own target (target: pods)",
  namespaces: "namespaces have their own target (target: namespaces)",
  nodes: "nodes are never deleted by kube-sweeper",
  "customresourcedefinitions.apiextensions.k8s.io": "deleting a CustomResourceDefinition deletes every object of its kind: never a target",
};

export interface ResolvedKinds {
  kinds: ResourceKind[];
  /** One line per requested kind that cannot be used: unknown, ambiguous, not deletable, never a target. */
  problems: string[];
}

/**
 * `kinds` as the config gives them: `resource.group` (deployments.apps, widgets.example.com), a
 * core resource (configmaps), or as kubectl also takes them a Kind, singular or short name
 * (Deployment, deploy, pvc), optionally with the group. `*` is every kind that supports list
 * and delete, except those that are never targets.
 */
export function resolveKinds(requested: readonly string[], served: readonly ResourceKind[]): ResolvedKinds {
  const usable = (k: ResourceKind) => k.verbs.includes("list") && k.verbs.includes("delete");
  const kinds: ResourceKind[] = [];
  const problems: string[] = [];
  const add = (k: ResourceKind) => {
    if (!kinds.some((have) => have.group === k.group && have.resource === k.resource)) kinds.push(k);
  };
  for (const name of requested) {
    if (name === "*") {
      served.filter((k) => usable(k) && NEVER_TARGETS[qualifiedName(k)] === undefined).forEach(add);
      continue;
    }
    const found = lookUp(name, served);
    if (typeof found === "string") {
      problems.push(`kind ${JSON.stringify(name)}: ${found}`);
      continue;
    }
    const never = NEVER_TARGETS[qualifiedName(found)];
    if (never) problems.push(`kind ${JSON.stringify(name)}: ${never}`);
    else if (!usable(found)) problems.push(`kind ${JSON.stringify(name)} (${qualifiedName(found)}) does not support ${["list", "delete"].filter((v) => !found.verbs.includes(v)).join(" and ")}`);
    else add(found);
  }
  return { kinds, problems };
}

function lookUp(name: string, served: readonly ResourceKind[]): ResourceKind | string {
  const lower = name.toLowerCase();
  const names = (k: ResourceKind) => [k.resource, k.kind.toLowerCase(), k.singular, ...(k.shortNames ?? [])];
  // "widgets.example.com": the name, then the group after the first dot.
  const dot = lower.indexOf(".");
  if (dot > 0) {
    const [resource, group] = [lower.slice(0, dot), lower.slice(dot + 1)];
    const hit = served.find((k) => k.group === group && names(k).includes(resource));
    if (hit) return hit;
  }
  const candidates = served.filter((k) => names(k).includes(lower));
  // As kubectl: the core group wins a bare name (events, not events.events.k8s.io).
  const core = candidates.find((k) => k.group === "");
  if (core) return core;
  const groups = [...new Set(candidates.map(qualifiedName))];
  if (groups.length === 1) return candidates[0]!;
  if (groups.length > 1) return `ambiguous: the server serves ${groups.join(", ")}; name one of them`;
  return "not served by this API server (check the name and group, e.g. deployments.apps, widgets.example.com; kubectl api-resources lists them)";
}

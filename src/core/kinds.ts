// Kinds as discovery describes them, and a config's `kinds` resolved against them. Pure: the
// same code serves a live cluster (src/cluster/discovery.ts), a snapshot, `manifests` and the config check.

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

export interface ApiResource {
  name?: string;
  singularName?: string;
  namespaced?: boolean;
  kind?: string;
  verbs?: string[];
  shortNames?: string[];
}

export interface ApiResourceList {
  groupVersion?: string;
  resources?: ApiResource[];
}

export interface ApiGroupList {
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

/** Why a kind is never a resource target, or undefined. */
export function neverTargetReason(kind: Pick<ResourceKind, "group" | "resource">): string | undefined {
  return NEVER_TARGETS[qualifiedName(kind)];
}

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
export function resolveKinds(requested: readonly string[], served: readonly ResourceKind[], includeNeverTargets = false): ResolvedKinds {
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
    if (never && includeNeverTargets) add(found);
    else if (never) problems.push(`kind ${JSON.stringify(name)}: ${never}`);
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

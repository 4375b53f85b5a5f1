// The API permissions a config needs, derived from its policies and actions: the single source
// for the generated RBAC and for the check a sweep makes before its first write.
import { EVENTS_NAMESPACE_FOR_CLUSTER_SCOPED } from "../cluster/events.ts";
import type { Config } from "../config/schema.ts";
import { namespacePoliciesOf, podPoliciesOf } from "../plan/collect.ts";
import { actionKinds, targetModules } from "../policies/targets.ts";
import type { Action, ActionKind } from "../plan/types.ts";

export interface Permission {
  group: string;
  resource: string;
  verb: string;
  /** Cluster-scoped resources (nodes, namespaces) cannot be granted by a namespaced Role. */
  clusterScoped?: boolean;
  /** Only in the lock's namespace (the Lease). */
  lockNamespace?: boolean;
  /** Why: shown in the generated RBAC and in a missing-permission error. */
  why: string;
  /** The actions that write with it (checked before the first write); none for reads and the lock. */
  actions?: ActionKind[];
  /** Events are written in the target's namespace (or kube-system, for a Namespace target: see cluster/events.ts). */
  events?: boolean;
  /** Only for actions on this "group/resource" (resource targets: each kind its own delete). */
  forResource?: string;
}

export interface PermissionOptions {
  /** The sweep takes a Lease and writes Events. */
  sweep: boolean;
}

export function requiredPermissions(config: Config, options: PermissionOptions = { sweep: true }): Permission[] {
  return permissionsAndNotes(config, options).permissions;
}

/** The permissions, and notes on what could not be granted without wildcards (kinds: ["*"]). */
export function permissionsAndNotes(config: Config, options: PermissionOptions = { sweep: true }): { permissions: Permission[]; notes: string[] } {
  const out: Permission[] = [];
  const notes: string[] = [];
  const add = (group: string, resource: string, verbs: string[], why: string, extra: Partial<Permission> = {}) => {
    for (const verb of verbs) if (!out.some((p) => p.group === group && p.resource === resource && p.verb === verb)) out.push({ group, resource, verb, why, ...extra });
  };
  const pods = podPoliciesOf(config);
  const sidecars = config.policies.filter((p) => p.target === "sidecars");
  const namespaces = namespacePoliciesOf(config);
  const managers = config.settings.namespaceManagers;
  const countsPods = namespaces.some((p) => p.when.podsSucceeded) || managers;

  if (pods.length || sidecars.length || countsPods) add("", "pods", ["list"], "read pods");
  // Every write is preceded by a fresh GET of its target (and of the node or namespace it depends on).
  const podWrites: ActionKind[] = ["delete", "evict", "terminate"];
  if (pods.length) add("", "pods", ["get"], "the pod is read again before acting", { actions: ["delete", "evict"] });
  if (pods.some((p) => p.when.nodeUnhealthyFor !== undefined)) {
    add("", "nodes", ["list"], "nodeUnhealthyFor reads nodes", { clusterScoped: true });
    add("", "nodes", ["get"], "nodeUnhealthyFor: a node missing from the list, and the pod's node before acting, are read again", { clusterScoped: true, actions: ["delete", "evict"] });
  }
  if ([...pods, ...sidecars].some((p) => p.match.namespaceSelector) || namespaces.length || managers) {
    add("", "namespaces", ["list"], "read namespaces", { clusterScoped: true });
    // Once namespaces are read, every target's fresh look reads its namespace again: the modules' kinds too.
    add("", "namespaces", ["get"], "the target's namespace is read again before acting", { clusterScoped: true, actions: [...podWrites, "deleteNamespace", "scaleDown", "webhook", ...targetModules().flatMap((m) => m.actionKinds)] });
  }
  if ([config.settings.safetyFilters, ...pods.map((p) => p.safetyFilters)].some((f) => f?.priorityThreshold?.className !== undefined)) {
    add("scheduling.k8s.io", "priorityclasses", ["list"], "safetyFilters.priorityThreshold.className reads PriorityClasses", { clusterScoped: true });
  }
  // A forced delete (gracePeriodSeconds 0) is the same verb: no extra permission.
  if (pods.some((p) => p.action === "delete")) add("", "pods", ["delete"], "action delete", { actions: ["delete"] });
  if (pods.some((p) => p.action === "evict")) add("", "pods/eviction", ["create"], "action evict", { actions: ["evict"] });
  for (const p of sidecars) {
    add("", "pods", ["get"], "sidecars: the pod is read again before acting", { actions: ["terminate"] });
    if (p.action.via === "exec") add("", "pods/exec", ["get", "create"], "sidecars: terminate via exec", { actions: ["terminate"] });
    else add("", "pods/proxy", [p.action.http.method === "GET" ? "get" : p.action.http.method === "PUT" ? "update" : "create"], "sidecars: terminate via the pod proxy", { actions: ["terminate"] });
  }
  const images = config.policies.filter((p) => p.target === "images");
  const imageResources: Record<string, [string, string]> = { Deployment: ["apps", "deployments"], StatefulSet: ["apps", "statefulsets"], DaemonSet: ["apps", "daemonsets"], CronJob: ["batch", "cronjobs"], Job: ["batch", "jobs"], Pod: ["", "pods"] };
  for (const p of images) {
    for (const kind of p.match.kinds ?? Object.keys(imageResources)) add(imageResources[kind]![0], imageResources[kind]![1], ["list"], "images: read workloads' pod templates");
    if (p.match.namespaceSelector) add("", "namespaces", ["list"], "read namespaces", { clusterScoped: true });
  }
  // Pull secrets are Secrets: read only when the config opts in.
  if (images.length && config.settings.registryAuth) {
    add("", "serviceaccounts", ["get"], "registryAuth: a workload's service account names its imagePullSecrets");
    add("", "secrets", ["get"], "registryAuth: imagePullSecrets hold registry credentials");
  }
  const nsActions = namespaces.map((p) => p.action);
  const nsKinds: ActionKind[] = ["deleteNamespace", "scaleDown", "webhook"];
  if (nsActions.length || managers) add("", "namespaces", ["patch"], "record done.<policy> on the namespace", { clusterScoped: true, actions: nsKinds });
  if (nsActions.some((a) => a.kind === "deleteNamespace") || managers) add("", "namespaces", ["delete"], "action deleteNamespace", { clusterScoped: true, actions: ["deleteNamespace"] });
  const scaleKinds = new Set(nsActions.flatMap((a) => (a.kind === "scaleDown" ? a.kinds : [])));
  if (managers) ["Deployment", "StatefulSet"].forEach((k) => scaleKinds.add(k as never));
  for (const kind of scaleKinds) {
    const resource = kind === "Deployment" ? "deployments" : "statefulsets";
    add("apps", resource, ["list", "patch"], `scaleDown: find ${resource} and record their replica counts`, { actions: ["scaleDown"] });
    add("apps", `${resource}/scale`, ["patch"], `scaleDown: scale ${resource} to 0`, { actions: ["scaleDown"] });
  }
  if (managers) add("k8s.consol.de", "namespacemanagers", ["list", "patch"], "NamespaceManager objects: read, then deactivate");
  for (const module of targetModules()) {
    const policies = module.policiesOf(config);
    if (policies.length) module.permissions(policies, add, (note) => notes.includes(note) || notes.push(note));
  }
  if (options.sweep) {
    add("events.k8s.io", "events", ["create"], "an Event for every action", { actions: [...actionKinds()], events: true });
    add("coordination.k8s.io", "leases", ["get", "create", "update"], "the single-run lock", { lockNamespace: true });
  }
  return { permissions: out, notes };
}

/** Permissions grouped into RBAC rules: one per API group and resource. */
export function rulesOf(permissions: Permission[]): { apiGroups: string[]; resources: string[]; verbs: string[] }[] {
  const rules = new Map<string, { apiGroups: string[]; resources: string[]; verbs: string[] }>();
  for (const p of permissions) {
    const key = `${p.group}/${p.resource}`;
    const rule = rules.get(key) ?? { apiGroups: [p.group], resources: [p.resource], verbs: [] };
    if (!rule.verbs.includes(p.verb)) rule.verbs.push(p.verb);
    rules.set(key, rule);
  }
  return [...rules.values()];
}

/** What to ask the API server before the first write: each needed permission where it is needed. */
export function writeChecks(permissions: Permission[], actions: Action[], withEvents: boolean): { permission: Permission; namespace: string | undefined }[] {
  const out = new Map<string, { permission: Permission; namespace: string | undefined }>();
  for (const action of actions) {
    const served = action.target.resource;
    // A resource target's own namespace; cluster-scoped ones (and their Events' default) have none.
    const namespaced = action.target.kind === "Pod" || served?.namespaced === true;
    const own = served ? (served.namespaced ? action.target.namespace : undefined) : action.target.kind === "Pod" ? action.target.namespace : action.target.name;
    for (const permission of permissions) {
      if (!permission.actions?.includes(action.action) || (permission.events && !withEvents)) continue;
      if (permission.forResource && (!served || permission.forResource !== `${served.group}/${served.resource}`)) continue;
      const namespace = permission.clusterScoped ? undefined : permission.events ? (namespaced ? own : EVENTS_NAMESPACE_FOR_CLUSTER_SCOPED) : own;
      out.set(`${permission.group}/${permission.resource}/${permission.verb}/${namespace ?? ""}`, { permission, namespace });
    }
  }
  return [...out.values()];
}

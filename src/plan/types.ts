// The plan is a value: data in, plan out. Executing it is the only I/O.

export type PodActionKind = "delete" | "evict" | "terminate";
export type NamespaceActionKind = "deleteNamespace" | "scaleDown" | "webhook";
/** The kinds of the target modules are declared by each module (policies/targets.ts). */
export type ActionKind = PodActionKind | NamespaceActionKind | import("../policies/targets.ts").ModuleActionKind;

/** `skipped`: read again just before the write, the target no longer qualified (the detail says why). */
export type ActionStatus = "planned" | "would-do" | "done" | "failed" | "blocked" | "gone" | "conflict" | "skipped";

/**
 * For a Namespace target, `namespace` is its own name (limits per namespace count it there).
 * A resource target (any other kind) carries where it is served; cluster-scoped ones have namespace "".
 */
export interface TargetRef {
  kind: string;
  namespace: string;
  name: string;
  uid: string;
  resource?: ServedAs;
}

/** Where a resource target's kind is served, from discovery. */
export interface ServedAs {
  group: string;
  version: string;
  resource: string;
  namespaced: boolean;
}

/** "pod apps/web-1", "namespace preview-1", "deployments.apps apps/web", "clusterroles.rbac.authorization.k8s.io x". */
export function describeTargetRef(target: Pick<TargetRef, "kind" | "namespace" | "name" | "resource">): string {
  if (target.resource) {
    const kind = target.resource.group ? `${target.resource.resource}.${target.resource.group}` : target.resource.resource;
    return `${kind} ${target.resource.namespaced ? `${target.namespace}/` : ""}${target.name}`;
  }
  return target.kind === "Pod" ? `pod ${target.namespace}/${target.name}` : `namespace ${target.name}`;
}

export interface OwnerKey {
  kind: string;
  name: string;
}

/** A pod that some policy matched, before limits. `heldBack` is set by a protection or schedule. */
export interface Candidate {
  target: TargetRef;
  policy: string;
  action: ActionKind;
  reasons: string[];
  created: number;
  restarts: number;
  owner: OwnerKey | undefined;
  /** The pod's node, for maxActionsPerNode. */
  node?: string | undefined;
  /** A delete with an explicit grace period (0: forced). */
  gracePeriodSeconds?: number;
  heldBack?: string;
}

export interface Action {
  policy: string;
  action: ActionKind;
  target: TargetRef;
  reasons: string[];
  /** Set only for a delete with an explicit grace period; 0 is a forced delete. */
  gracePeriodSeconds?: number;
  status: ActionStatus;
  detail: string;
  at: string | null;
}

export interface Skipped {
  policy: string;
  target: Omit<TargetRef, "uid">;
  reason: string;
}

export interface Plan {
  actions: Action[];
  skipped: Skipped[];
  /** Set when the blast-radius guard refuses the plan: nothing may be acted on. */
  abortReason: string | undefined;
}

/** A Warning Event due on an object some time before an action on it (a policy's `notifyBefore`). */
export interface DueNotice {
  policy: string;
  target: TargetRef;
  /** When the action falls due (ms). */
  dueAt: number;
  /** Why: the conditions that already hold and the time ones with their numbers. */
  reasons: string[];
}

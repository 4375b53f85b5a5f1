// The plan is a value: data in, plan out. Executing it is the only I/O.

export type PodActionKind = "delete" | "evict" | "terminate";
export type NamespaceActionKind = "deleteNamespace" | "scaleDown" | "webhook";
export type ActionKind = PodActionKind | NamespaceActionKind;

/** `skipped`: read again just before the write, the target no longer qualified (the detail says why). */
export type ActionStatus = "planned" | "would-do" | "done" | "failed" | "blocked" | "gone" | "conflict" | "skipped";

/** For a Namespace target, `namespace` is its own name (limits per namespace count it there). */
export interface TargetRef {
  kind: "Pod" | "Namespace";
  namespace: string;
  name: string;
  uid: string;
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

// A target kind as one module: everything the rest of the tree needs to know about it, so that
// adding a kind is its folder plus one line in targets.ts. The folder's index.ts exports `module`
// (this interface) and `policySchema` (its policies' part of the config schema, which config/
// schema.ts builds from the registry). The plan, the sweep, explain, validate, manifests, Events and
// the report reach a module only through the registry, never by its name (test/policies/
// targets.test.ts checks it). The targets still wired by hand are listed in targets.ts.
import type { Config, Policy } from "../config/schema.ts";
import type { Logger } from "../core/log.ts";
import type { JsonClient } from "../cluster/http.ts";
import type { ApiPolicy } from "../cluster/api-policy.ts";
import type { FreshReader } from "../cluster/fresh-reader.ts";
import type { KubeConfig } from "@kubernetes/client-node";
import type { Outcome } from "../cluster/pod-writer.ts";
import type { Permission } from "../deploy/permissions.ts";
import type { Candidate, DueNotice, Skipped } from "../plan/types.ts";
import type { Performer } from "../execute/performers.ts";
import type { NamespaceInfo } from "./verdict.ts";

export type AddPermission = (group: string, resource: string, verbs: string[], why: string, extra?: Partial<Permission>) => void;

/** One object named on the command line (`explain ...`), as the module that parsed it understands it. */
export interface TargetFind {
  kind: string;
  namespace: string;
  name: string;
}

export interface TargetInput {
  config: Config;
  now: number;
  namespaces: Map<string, NamespaceInfo> | undefined;
  onlyNamespaces: readonly string[] | undefined;
  /** Where objects come from: a snapshot file, or the cluster (undefined client with a snapshot). */
  snapshot: string | undefined;
  client: JsonClient | undefined;
  log: Logger;
  /** `explain`: the object asked for, when this module parsed it. */
  find: TargetFind | undefined;
}

export interface TargetCollected<Details = unknown> {
  candidates: Candidate[];
  skipped: Skipped[];
  evaluated: number;
  /** Warning Events due before actions (`notifyBefore`), sent after the plan's actions. */
  notices?: DueNotice[];
  details: Details;
}

/** What a module's performers may use: writers are created only when the plan has its actions. */
export interface TargetRun<P, Details> {
  policies: P[];
  details: Details;
  /** The plan has at least one action of this module. */
  acts: boolean;
  /** The whole client's config (loaded on first use), for writers that still use the client library. */
  writerConfig: () => Promise<KubeConfig>;
  api: ApiPolicy;
  reader: FreshReader;
  /** A target's namespace as it is now, for judging it again (see execute/fresh-look.ts). */
  namespaceAsNow: (name: string) => Promise<{ value: Map<string, NamespaceInfo> } | { failed: Outcome }>;
  /** The plan read namespaces: the fresh look reads the target's namespace again too. */
  namespacesRead: boolean;
  /** The run's clock at the write's time. */
  now: () => number;
}

export interface ExplainedCheck {
  check: string;
  holds: boolean;
  reason: string;
}

/** `explain` for one object, without the plan's outcome (explain adds it from the plan). */
export interface TargetExplanation {
  target: { kind: string; namespace?: string; name: string; uid: string };
  policies: { name: string; action: string; matched: boolean; match: ExplainedCheck[]; conditions: ExplainedCheck[]; heldBackBy: string[] }[];
  protections: { reason: string; canBeIgnoredWith?: string }[];
}

export interface TargetModule<P extends Policy = Policy, Details = unknown, K extends string = string> {
  target: P["target"];
  /** summary.evaluated[key] in the report (and the metric's kind); `noun` names what was counted. */
  evaluated: { key: string; noun: string };
  policiesOf(config: Config): P[];
  /** What the shared view must read for these policies (the namespace list, for selectors and protections). */
  readScope(policies: P[]): { namespaces: boolean };
  /** Read, evaluate and protect: the candidates (with what held them back) and what was skipped. */
  collect(input: TargetInput, policies: P[]): Promise<TargetCollected<Details>>;
  /** The policy written back in the config file's own terms (`validate`). */
  describe(policy: P): Record<string, unknown>;
  /** RBAC for these policies; `note` says what it could not grant, or not exactly (a comment in the YAML). */
  permissions(policies: P[], add: AddPermission, note: (text: string) => void): void;
  /** The action kinds its candidates carry; each has a performer (fresh look, then the write). */
  actionKinds: readonly K[];
  performers(run: TargetRun<P, Details>): Promise<Record<K, Performer>>;
  /** The Event recorded on the object of each action kind (reason, and the action it names). */
  events: Record<K, { reason: string; action: string }>;
  /** `explain`: which command-line targets are its own, and the explanation from what collect kept. */
  explain: {
    parse(parts: string[]): TargetFind | undefined;
    /** Throws a UsageError when the object was not found. */
    explain(details: Details | undefined, find: TargetFind, now: number): TargetExplanation;
  };
  /** `validate --check-cluster`: config problems only a cluster can reveal, each "policy <name>: <path>: <message>". */
  checkCluster?(policies: P[], client: JsonClient, log: Logger): Promise<string[]>;
}

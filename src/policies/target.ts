// A target kind as one module: how its policies are read and judged, and what RBAC they need.
// The resources target is the first built this way (src/policies/resources/); adding a target is
// its folder plus one line in targets.ts. The older targets (pods, namespaces, sidecars, images)
// are still wired by hand in collect.ts, permissions.ts, explain.ts and performers.ts.
import type { Config, Policy } from "../config/schema.ts";
import type { Logger } from "../core/log.ts";
import type { ResourceSource } from "../cluster/resource-reader.ts";
import type { Permission } from "../deploy/permissions.ts";
import type { Candidate, Skipped } from "../plan/types.ts";
import type { NamespaceInfo } from "./verdict.ts";

export type AddPermission = (group: string, resource: string, verbs: string[], why: string, extra?: Partial<Permission>) => void;

export interface TargetInput {
  config: Config;
  now: number;
  namespaces: Map<string, NamespaceInfo> | undefined;
  onlyNamespaces: readonly string[] | undefined;
  /** Objects of any kind (discovery and lists, or a snapshot). */
  source: ResourceSource | undefined;
  log: Logger;
  /** `explain KIND/NS/NAME`. */
  find: { kind: string; namespace: string; name: string } | undefined;
}

export interface TargetCollected<Details = unknown> {
  candidates: Candidate[];
  skipped: Skipped[];
  evaluated: number;
  details: Details;
}

export interface TargetModule<P extends Policy = Policy, Details = unknown> {
  target: P["target"];
  /** The key of summary.evaluated in the report. */
  evaluatedKey: string;
  policiesOf(config: Config): P[];
  collect(input: TargetInput, policies: P[]): Promise<TargetCollected<Details>>;
  /** RBAC for these policies; `note` says what it could not grant, or not exactly (a comment in the YAML). */
  permissions(policies: P[], add: AddPermission, note: (text: string) => void): void;
}

// Every target built as one module (see target.ts): its folder's index.ts exports `module` (the
// TargetModule) and `policySchema` (its policies' part of the config schema). One line per target.
import type { ActionKind } from "../plan/types.ts";
import type { Policy } from "../config/schema.ts";
import type { TargetModule } from "./target.ts";
import * as resources from "./resources/index.ts";

export const TARGETS = [resources] as const;


/** The targets and action kinds not yet moved onto a module: wired by hand across the tree. */
export const HAND_WIRED_TARGETS = ["pods", "namespaces", "sidecars", "images"] as const;
export const HAND_WIRED_ACTION_KINDS = ["delete", "evict", "terminate", "deleteNamespace", "scaleDown", "webhook"] as const;

/** The action kinds the modules own, from their declarations (plan/types.ts builds ActionKind from it). */
export type ModuleActionKind = (typeof TARGETS)[number]["module"]["actionKinds"][number];

/** A module seen through the interface alone (its policy and details types are its own business). */
export type AnyTargetModule = TargetModule<Policy, unknown, ActionKind>;
// Functions, not constants: a module's own code may import what imports this file, so the modules
// are looked at only once everything has loaded.
export const targetModules = (): readonly AnyTargetModule[] => TARGETS.map((t) => t.module as unknown as AnyTargetModule);

/** Every action kind there is, each once. */
export const actionKinds = (): readonly ActionKind[] => [...HAND_WIRED_ACTION_KINDS, ...targetModules().flatMap((m) => m.actionKinds)];

/** The module that owns an action kind; undefined for the hand-wired kinds. */
export const moduleOfAction = (kind: string): AnyTargetModule | undefined => targetModules().find((m) => (m.actionKinds as readonly string[]).includes(kind));
export const moduleOfTarget = (target: string): AnyTargetModule | undefined => targetModules().find((m) => m.target === target);

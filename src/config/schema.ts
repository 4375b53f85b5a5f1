// The config file's schema. Parsing resolves as it validates: durations become milliseconds,
// selectors and regular expressions are compiled, so a config that parses is ready to use.
import * as z from "zod";
import { DURATION_HINT, DurationError, parseDuration } from "../core/duration.ts";
import { parseSelector, SelectorError } from "../core/selector.ts";
import { scheduleProblem } from "./schedule.ts";

export const API_VERSION = "kube-sweeper.io/v1alpha1";
export const DEFAULT_PROTECTED_NAMESPACES = ["kube-system", "kube-public", "kube-node-lease"];

const duration = z.unknown().transform((value, ctx) => {
  if (typeof value !== "string" && typeof value !== "number") {
    ctx.addIssue({ code: "custom", message: `expected a duration (${DURATION_HINT}), got ${value === null ? "null" : Array.isArray(value) ? "a list" : typeof value}` });
    return z.NEVER;
  }
  try {
    return parseDuration(value);
  } catch (error) {
    if (!(error instanceof DurationError)) throw error;
    ctx.addIssue({ code: "custom", message: error.message });
    return z.NEVER;
  }
});

const count = z.number().int().min(0);

const labelSelector = z.string().transform((value, ctx) => {
  try {
    return { text: value, requirements: parseSelector(value) };
  } catch (error) {
    if (!(error instanceof SelectorError)) throw error;
    ctx.addIssue({ code: "custom", message: error.message });
    return z.NEVER;
  }
});

// Bounded so that a pathological pattern cannot make matching a name run for long.
const MAX_PATTERN_LENGTH = 1000;
const regex = z.string().transform((value, ctx) => {
  if (value.length > MAX_PATTERN_LENGTH) {
    ctx.addIssue({ code: "custom", message: `regular expression longer than ${MAX_PATTERN_LENGTH} characters` });
    return z.NEVER;
  }
  try {
    return new RegExp(value);
  } catch (error) {
    ctx.addIssue({ code: "custom", message: `${JSON.stringify(value)} is not a regular expression: ${(error as Error).message}` });
    return z.NEVER;
  }
});

const nameList = z.array(z.string().min(1));

const match = z
  .strictObject({
    namespaces: nameList.optional(),
    namespaceSelector: labelSelector.optional(),
    excludeNamespaces: nameList.optional(),
    selector: labelSelector.optional(),
    name: regex.optional(),
    ownerKinds: nameList.optional(),
    excludeOwnerKinds: nameList.optional(),
  })
  .default({});

const schedule = z
  .strictObject({
    cron: z.string().min(1),
    window: duration,
    timeZone: z.string().min(1).optional(),
  })
  .superRefine((value, ctx) => {
    const problem = scheduleProblem(value.cron, value.timeZone);
    if (problem) ctx.addIssue({ code: "custom", path: ["cron"], message: problem });
  });

const podConditions = z
  .strictObject({
    restarts: z.strictObject({ atLeast: z.number().int().min(1), includeInitContainers: z.boolean().default(false) }).optional(),
    exitCodes: z
      .strictObject({
        in: z.array(z.number().int()).optional(),
        notIn: z.array(z.number().int()).optional(),
        includeZero: z.boolean().default(false),
      })
      .optional(),
    reasons: z.array(z.string().min(1)).min(1).optional(),
    phases: z.array(z.enum(["Pending", "Running", "Succeeded", "Failed", "Unknown"])).min(1).optional(),
    olderThan: duration.optional(),
    lifetimeOver: duration.optional(),
    unreadyFor: duration.optional(),
    nodeUnhealthyFor: duration.optional(),
  })
  .refine((when) => Object.values(when).some((v) => v !== undefined), {
    message: "at least one condition is required (a policy without conditions would match every pod in scope)",
  });

export const PROTECTION_OPT_OUTS = ["bare-pods", "daemonset-pods", "system-critical"] as const;

const podPolicy = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9-]*$/, "must match ^[a-z][a-z0-9-]*$ (lower case, digits, dashes)"),
  target: z.literal("pods"),
  match,
  when: podConditions,
  action: z.enum(["delete", "evict"]),
  schedule: schedule.optional(),
  // Protections a policy may knowingly switch off; the rest (namespaces, annotation, mirror,
  // terminating, the sweeper's own pod) always apply.
  ignoreProtections: z.array(z.enum(PROTECTION_OPT_OUTS)).optional(),
});

const UNIMPLEMENTED_TARGETS = ["namespaces", "sidecars", "images"];

const policy = z.unknown().superRefine((value, ctx) => {
  const target = (value as { target?: unknown } | null)?.target;
  if (typeof target === "string" && UNIMPLEMENTED_TARGETS.includes(target)) {
    ctx.addIssue({ code: "custom", path: ["target"], message: `target "${target}" is not available in this version (pods only)` });
  }
}).pipe(podPolicy);

const settings = z
  .strictObject({
    waitBetweenActions: duration.default(10_000),
    maxActions: count.optional(),
    maxActionsPerNamespace: count.optional(),
    maxActionsPerOwner: count.optional(),
    abortIfMoreThan: z
      .strictObject({ count: count.optional(), percent: z.number().min(0).max(100).optional() })
      .optional(),
    protectedNamespaces: nameList.default(DEFAULT_PROTECTED_NAMESPACES),
    order: z.enum(["oldest-first", "most-restarts-first"]).default("oldest-first"),
  })
  .default({ waitBetweenActions: 10_000, protectedNamespaces: DEFAULT_PROTECTED_NAMESPACES, order: "oldest-first" });

export const configSchema = z
  .strictObject({
    apiVersion: z.literal(API_VERSION).optional(),
    kind: z.literal("SweeperConfig").optional(),
    settings,
    policies: z.array(policy).min(1, "at least one policy is required"),
  })
  .superRefine((config, ctx) => {
    const seen = new Set<string>();
    config.policies.forEach((p, i) => {
      if (seen.has(p.name)) ctx.addIssue({ code: "custom", path: ["policies", i, "name"], message: `duplicate policy name "${p.name}"` });
      seen.add(p.name);
    });
  });

export type Config = z.output<typeof configSchema>;
export type Settings = Config["settings"];
export type PodPolicy = Config["policies"][number];
export type PodConditions = PodPolicy["when"];
export type Match = PodPolicy["match"];
export type Schedule = NonNullable<PodPolicy["schedule"]>;
export type ProtectionOptOut = (typeof PROTECTION_OPT_OUTS)[number];

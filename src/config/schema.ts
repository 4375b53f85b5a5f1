// The config file's schema. Parsing resolves as it validates: durations become milliseconds,
// selectors and regular expressions are compiled, so a config that parses is ready to use.
import { backtrackingRisk } from "../core/safe-regex.ts";
import * as z from "zod";
import { DURATION_HINT, DurationError, FOREVER, parseDuration } from "../core/duration.ts";
import { parseSelector, SelectorError, type LabelSelector } from "../core/selector.ts";
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
}).meta({ description: `a duration: ${DURATION_HINT}`, anyOf: [{ type: "string", minLength: 1 }, { type: "number", minimum: 0 }] });

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
  let compiled: RegExp;
  try {
    compiled = new RegExp(value);
  } catch (error) {
    ctx.addIssue({ code: "custom", message: `${JSON.stringify(value)} is not a regular expression: ${(error as Error).message}` });
    return z.NEVER;
  }
  const risk = backtrackingRisk(value);
  if (risk) {
    ctx.addIssue({ code: "custom", message: `${JSON.stringify(value)} is refused: ${risk}` });
    return z.NEVER;
  }
  return compiled;
});

const nameList = z.array(z.string().min(1));

export const MAX_PAUSE_MS = 86_400_000;

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
  .refine((when) => Object.values(when ?? {}).some((v) => v !== undefined), {
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

const policyName = z.string().regex(/^[a-z][a-z0-9-]*$/, "must match ^[a-z][a-z0-9-]*$ (lower case, digits, dashes)");

const namespaceMatch = z
  .strictObject({
    namespaces: nameList.optional(),
    namespaceSelector: labelSelector.optional(),
    excludeNamespaces: nameList.optional(),
    name: regex.optional(),
  })
  .default({});

const namespaceConditions = z
  .strictObject({
    ttl: z.unknown().optional().transform((value, ctx) => {
      if (value === undefined) return undefined;
      if (value === "forever") return FOREVER;
      const result = duration.safeParse(value);
      if (!result.success) {
        ctx.addIssue({ code: "custom", message: `${result.error.issues[0]?.message ?? "invalid"} (or "forever")` });
        return z.NEVER;
      }
      return result.data;
    }).meta({ description: `a duration (${DURATION_HINT}) or "forever"`, anyOf: [{ type: "string", minLength: 1 }, { type: "number", minimum: 0 }] }),
    expires: z.boolean().optional(),
    podsSucceeded: z
      .strictObject({ selector: labelSelector.optional(), initialDelay: duration.default(0), allowNone: z.boolean().default(true) })
      .optional(),
  })
  .refine((when) => Object.values(when ?? {}).some((v) => v !== undefined), {
    message: "at least one condition is required (ttl, expires or podsSucceeded)",
  });

export const WORKLOAD_KINDS = ["Deployment", "StatefulSet"] as const;

export interface ScaleFilter {
  kind: (typeof WORKLOAD_KINDS)[number] | undefined;
  labels: LabelSelector;
}

const webhookSpec = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }),
  secretEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name").optional(),
  timeout: duration.default(10_000),
  retries: z.number().int().min(0).max(10).default(3),
});

// `action: deleteNamespace` and `action: {scaleDown: {...}}` are both accepted: a bare name
// means that action with its defaults.
const namespaceAction = z
  .preprocess(
    (value) => (typeof value === "string" ? { [value]: {} } : value),
    z.strictObject({
      deleteNamespace: z.strictObject({}).optional(),
      scaleDown: z
        .strictObject({ kinds: z.array(z.enum(WORKLOAD_KINDS)).min(1).default([...WORKLOAD_KINDS]), selector: labelSelector.optional() })
        .optional(),
      webhook: webhookSpec.optional(),
    }),
  )
  .superRefine((action, ctx) => {
    const given = Object.values(action ?? {}).filter((v) => v !== undefined).length;
    if (given !== 1) ctx.addIssue({ code: "custom", message: "exactly one of deleteNamespace, scaleDown, webhook is required" });
  })
  .transform((action) => {
    // `filters` is set only for NamespaceManager SCALE_DOWN selectors (any one may match).
    if (action.scaleDown) return { kind: "scaleDown" as const, ...action.scaleDown, filters: undefined as ScaleFilter[] | undefined };
    if (action.webhook) return { kind: "webhook" as const, ...action.webhook };
    return { kind: "deleteNamespace" as const };
  })
  .meta({ alsoAccepts: { enum: ["deleteNamespace", "scaleDown"] } });

const namespacePolicy = z.strictObject({
  name: policyName,
  target: z.literal("namespaces"),
  match: namespaceMatch,
  when: namespaceConditions,
  action: namespaceAction,
  schedule: schedule.optional(),
});

const DEFAULT_TERMINATE_COMMAND = ["kill", "-TERM", "1"];

const terminateAction = z
  .preprocess(
    (value) => (value === "terminate" ? { terminate: {} } : value),
    z.strictObject({
      terminate: z
        .strictObject({
          exec: z.array(z.string().min(1)).min(1).optional(),
          http: z
            .strictObject({
              port: z.number().int().min(1).max(65535),
              path: z.string().default("/"),
              method: z.enum(["GET", "POST", "PUT"]).default("POST"),
            })
            .optional(),
          timeout: duration.default(10_000),
        })
        .refine((t) => !(t.exec && t.http), { message: "give exec or http, not both" }),
    }),
  )
  .transform(({ terminate }) =>
    terminate.http
      ? { kind: "terminate" as const, via: "http" as const, http: terminate.http, timeout: terminate.timeout }
      : { kind: "terminate" as const, via: "exec" as const, command: terminate.exec ?? DEFAULT_TERMINATE_COMMAND, timeout: terminate.timeout },
  )
  .meta({ alsoAccepts: { const: "terminate" } });

const sidecarPolicy = z.strictObject({
  name: policyName,
  target: z.literal("sidecars"),
  match,
  sidecars: z.strictObject({ names: nameList.optional() }).default({}),
  when: z.strictObject({ lingeringFor: duration.optional() }).default({}),
  action: terminateAction,
  schedule: schedule.optional(),
});

export const IMAGE_WORKLOAD_KINDS = ["Deployment", "StatefulSet", "DaemonSet", "CronJob", "Job", "Pod"] as const;

const imagePolicy = z.strictObject({
  name: policyName,
  target: z.literal("images"),
  match: z
    .strictObject({
      namespaces: nameList.optional(),
      namespaceSelector: labelSelector.optional(),
      excludeNamespaces: nameList.optional(),
      // On the workload's own labels.
      selector: labelSelector.optional(),
      kinds: z.array(z.enum(IMAGE_WORKLOAD_KINDS)).min(1).optional(),
    })
    .default({}),
  // ignore: never checked; allow: when given, only matching images are checked.
  images: z.strictObject({ ignore: z.array(regex).default([]), allow: z.array(regex).optional() }).default({ ignore: [] }),
  // Also check workloads that run nothing now (0 replicas, suspended, scheduled nowhere).
  checkDisabled: z.boolean().default(false),
  action: z
    .preprocess((value) => (value === "report" ? { report: {} } : value), z.strictObject({ report: z.strictObject({}).optional(), webhook: webhookSpec.optional() }))
    .refine((a) => (a.report ? 1 : 0) + (a.webhook ? 1 : 0) === 1, "exactly one of report, webhook is required")
    .transform((a) => (a.webhook ? { kind: "webhook" as const, ...a.webhook } : { kind: "report" as const }))
    .meta({ alsoAccepts: { const: "report" } })
    .default({ kind: "report" }),
  schedule: schedule.optional(),
});

const UNIMPLEMENTED_TARGETS: string[] = [];
const TARGETS = ["pods", "namespaces", "sidecars", "images", ...UNIMPLEMENTED_TARGETS];

const policy = z
  .unknown()
  .superRefine((value, ctx) => {
    const target = (value as { target?: unknown } | null)?.target;
    if (typeof target === "string" && UNIMPLEMENTED_TARGETS.includes(target)) {
      ctx.addIssue({ code: "custom", path: ["target"], message: `target "${target}" is not available in this version (pods, namespaces and sidecars only)` });
    } else if (target === undefined || !TARGETS.includes(String(target))) {
      ctx.addIssue({ code: "custom", path: ["target"], message: `must be one of ${TARGETS.map((t) => JSON.stringify(t)).join(", ")}, got ${JSON.stringify(target)}` });
    }
  })
  .pipe(z.discriminatedUnion("target", [podPolicy, namespacePolicy, sidecarPolicy, imagePolicy]));

const settings = z
  .strictObject({
    // A timer longer than ~24.8 days fires at once in Node; a day is already far beyond any use.
    waitBetweenActions: duration.refine((ms) => ms <= MAX_PAUSE_MS, "at most 24h").default(10_000),
    maxActions: count.optional(),
    maxActionsPerNamespace: count.optional(),
    maxActionsPerOwner: count.optional(),
    abortIfMoreThan: z
      .strictObject({ count: count.optional(), percent: z.number().min(0).max(100).optional() })
      .optional(),
    protectedNamespaces: nameList.default(DEFAULT_PROTECTED_NAMESPACES),
    order: z.enum(["oldest-first", "most-restarts-first"]).default("oldest-first"),
    // Also evaluate the namespace manager's NamespaceManager objects (k8s.consol.de/v1beta1).
    namespaceManagers: z.boolean().default(false),
    // How registries are reached by image checks.
    registries: z
      .strictObject({
        plainHttp: z.array(z.string().min(1)).default([]),
        skipTLSVerify: z.array(z.string().min(1)).default([]),
        mirrors: z.record(z.string().min(1), z.string().min(1)).default({}),
        timeout: duration.refine((ms) => ms > 0, "must be more than 0").default(10_000),
        concurrency: z.number().int().min(1).max(256).default(16),
      })
      .default({ plainHttp: [], skipTLSVerify: [], mirrors: {}, timeout: 10_000, concurrency: 16 }),
    // Read imagePullSecrets (Secrets and ServiceAccounts) for registry credentials: extra RBAC, so opt-in.
    registryAuth: z.boolean().default(false),
    // The single-run lock: a coordination.k8s.io/v1 Lease every sweep of this config shares.
    lock: z
      .strictObject({
        enabled: z.boolean().default(true),
        namespace: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "must be a namespace name").default("default"),
        name: z.string().regex(/^[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/, "must be an object name").default("kube-sweeper"),
      })
      .default({ enabled: true, namespace: "default", name: "kube-sweeper" }),
  })
  .default({
    waitBetweenActions: 10_000,
    protectedNamespaces: DEFAULT_PROTECTED_NAMESPACES,
    order: "oldest-first",
    namespaceManagers: false,
    registries: { plainHttp: [], skipTLSVerify: [], mirrors: {}, timeout: 10_000, concurrency: 16 },
    registryAuth: false,
    lock: { enabled: true, namespace: "default", name: "kube-sweeper" },
  });

export const configSchema = z
  .strictObject({
    apiVersion: z.literal(API_VERSION).optional(),
    kind: z.literal("SweeperConfig").optional(),
    settings,
    policies: z.array(policy).default([]),
  })
  .superRefine((config, ctx) => {
    if (config.policies.length === 0 && !config.settings.namespaceManagers) {
      ctx.addIssue({ code: "custom", path: ["policies"], message: "at least one policy is required (or settings.namespaceManagers: true)" });
    }
    const seen = new Set<string>();
    // Zod runs this check even when an element failed, so an element may still be anything.
    config.policies.forEach((p, i) => {
      if (!p || typeof p !== "object") return;
      if (seen.has(p.name)) ctx.addIssue({ code: "custom", path: ["policies", i, "name"], message: `duplicate policy name "${p.name}"` });
      seen.add(p.name);
    });
  });

export type Config = z.output<typeof configSchema>;
export type Settings = Config["settings"];
export type Policy = Config["policies"][number];
export type PodPolicy = Extract<Policy, { target: "pods" }>;
export type NamespacePolicy = Extract<Policy, { target: "namespaces" }>;
export type SidecarPolicy = Extract<Policy, { target: "sidecars" }>;
export type ImagePolicy = Extract<Policy, { target: "images" }>;
export type TerminateAction = SidecarPolicy["action"];
export type PodConditions = PodPolicy["when"];
export type NamespaceConditions = NamespacePolicy["when"];
export type NamespaceAction = NamespacePolicy["action"];
export type Match = PodPolicy["match"];
export type NamespaceMatch = NamespacePolicy["match"];
export type Schedule = NonNullable<PodPolicy["schedule"]>;
export type ProtectionOptOut = (typeof PROTECTION_OPT_OUTS)[number];

// The config file's schema. Parsing resolves as it validates: durations become milliseconds,
// selectors and regular expressions are compiled, so a config that parses is ready to use.
import { compilePattern, PatternError } from "../core/safe-regex.ts";
import * as z from "zod";
import { DURATION_HINT, DurationError, FOREVER, parseDuration } from "../core/duration.ts";
import { parseSelector, SelectorError, type LabelSelector } from "../core/selector.ts";
import { scheduleProblem } from "./schedule.ts";
import { compileCel } from "../core/cel.ts";
import { TARGETS as TARGET_FOLDERS } from "../policies/targets.ts";
import { overMaximum, type Bounded } from "./maxima.ts";

// A run parses one config: zod's generated fast paths (built with new Function on the first
// parse) cost more to build than they save, about 10 ms of every start-up.
z.config({ jitless: true });

export const API_VERSION = "kube-sweeper.io/v1alpha1";
/** Protected whatever the config says, unless named in settings.unprotectBuiltinNamespaces. */
export const BUILTIN_PROTECTED_NAMESPACES = ["kube-system", "kube-public", "kube-node-lease"] as const;
/** Built in for namespace targets only: its pods are ordinary workloads. */
export const BUILTIN_PROTECTED_NAMESPACE_TARGETS = [...BUILTIN_PROTECTED_NAMESPACES, "default"] as const;

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

/** A duration with a documented maximum (maxima.ts). */
const boundedDuration = (which: Bounded) =>
  duration.superRefine((ms, ctx) => {
    const problem = overMaximum(which, ms);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
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

// Patterns run in a linear-time engine (core/safe-regex.ts); what it cannot run is a config error.
const regex = z.string().transform((value, ctx) => {
  try {
    return compilePattern(value);
  } catch (error) {
    if (!(error instanceof PatternError)) throw error;
    ctx.addIssue({ code: "custom", message: `${JSON.stringify(value)} ${error.message}` });
    return z.NEVER;
  }
});

const nameList = z.array(z.string().min(1));

// `when.cel`: compiled and type-checked here, once; a problem names its line and column.
const cel = z.string().transform((source, ctx) => {
  const compiled = compileCel(source);
  if (!compiled.ok) {
    ctx.addIssue({ code: "custom", message: compiled.message });
    return z.NEVER;
  }
  return compiled.program;
});

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
    window: boundedDuration("scheduleWindow"),
    timeZone: z.string().min(1).optional(),
  })
  .superRefine((value, ctx) => {
    const problem = scheduleProblem(value.cron, value.timeZone);
    if (problem) ctx.addIssue({ code: "custom", path: ["cron"], message: problem });
  });

// Init containers are looked at only when asked, as descheduler does (includingInitContainers).
const includeInitContainers = z.boolean().default(false);

const podConditions = z
  .strictObject({
    restarts: z.strictObject({ atLeast: z.number().int().min(1), includeInitContainers }).optional(),
    exitCodes: z
      .strictObject({
        in: z.array(z.number().int()).optional(),
        notIn: z.array(z.number().int()).optional(),
        includeZero: z.boolean().default(false),
        includeInitContainers,
      })
      .optional(),
    // `reasons: [A, B]` is short for `reasons: {in: [A, B]}`.
    reasons: z
      .preprocess((value) => (Array.isArray(value) ? { in: value } : value), z.strictObject({ in: z.array(z.string().min(1)).min(1), includeInitContainers }))
      .meta({ alsoAccepts: { type: "array", items: { type: "string", minLength: 1 }, minItems: 1 } })
      .optional(),
    phases: z.array(z.enum(["Pending", "Running", "Succeeded", "Failed", "Unknown"])).min(1).optional(),
    olderThan: duration.optional(),
    lifetimeOver: duration.optional(),
    unreadyFor: duration.optional(),
    nodeUnhealthyFor: duration.optional(),
    terminatingFor: duration.optional(),
    cel: cel.optional(),
  })
  .refine((when) => Object.values(when ?? {}).some((v) => v !== undefined), {
    message: "at least one condition is required (a policy without conditions would match every pod in scope)",
  });

export const PROTECTION_OPT_OUTS = ["bare-pods", "daemonset-pods", "system-critical"] as const;

// descheduler's default-evictor filters, opt-in: in settings for every pod policy, or per policy
// (a policy's key wins over the settings' key).
const safetyFilters = z.strictObject({
  localStorage: z.boolean().optional(),
  persistentVolumeClaims: z.boolean().optional(),
  priorityThreshold: z
    .strictObject({ value: z.number().int().optional(), className: z.string().min(1).optional() })
    .refine((t) => (t.value === undefined) !== (t.className === undefined), "give value or className, not both")
    .optional(),
});

const podAction = z.union(
  [z.enum(["delete", "evict"]), z.strictObject({ delete: z.strictObject({ gracePeriodSeconds: z.number().int().min(0).max(86_400) }) })],
  {
    error: (issue) =>
      typeof issue.input === "string"
        ? `must be one of "delete", "evict", got string ${JSON.stringify(issue.input)}`
        : `must be "delete", "evict" or {delete: {gracePeriodSeconds: N}}`,
  },
);

const podPolicy = z
  .strictObject({
    name: z.string().regex(/^[a-z][a-z0-9-]*$/, "must match ^[a-z][a-z0-9-]*$ (lower case, digits, dashes)"),
    target: z.literal("pods"),
    match,
    when: podConditions,
    action: podAction,
    schedule: schedule.optional(),
    // Protections a policy may knowingly switch off; the rest (namespaces, annotation, mirror,
    // terminating, the sweeper's own pod) always apply.
    ignoreProtections: z.array(z.enum(PROTECTION_OPT_OUTS)).optional(),
    safetyFilters: safetyFilters.optional(),
  })
  .superRefine((p, ctx) => {
    // A forced delete removes the object without the kubelet: only safe when no kubelet can be
    // running the pod any more (the pod garbage collector's and the out-of-service taint's rule).
    if (typeof p.action === "object" && p.action.delete.gracePeriodSeconds === 0) {
      const others = Object.entries(p.when ?? {}).filter(([key, value]) => key !== "nodeUnhealthyFor" && value !== undefined);
      if (p.when?.nodeUnhealthyFor === undefined || others.length === 0) {
        ctx.addIssue({
          code: "custom",
          path: ["action", "delete", "gracePeriodSeconds"],
          message: "a forced delete (gracePeriodSeconds: 0) needs when.nodeUnhealthyFor (the node gone or not Ready that long) and at least one other condition saying which pods (e.g. terminatingFor)",
        });
      }
    }
  })
  .transform(({ action, ...p }) => ({
    ...p,
    action: typeof action === "string" ? action : ("delete" as const),
    /** Set for `{delete: {gracePeriodSeconds: N}}`; 0 is a forced delete. */
    gracePeriodSeconds: typeof action === "string" ? undefined : action.delete.gracePeriodSeconds,
  }));

const policyName = z.string().regex(/^[a-z][a-z0-9-]*$/, "must match ^[a-z][a-z0-9-]*$ (lower case, digits, dashes)");

const namespaceMatch = z
  .strictObject({
    namespaces: nameList.optional(),
    namespaceSelector: labelSelector.optional(),
    excludeNamespaces: nameList.optional(),
    name: regex.optional(),
  })
  .default({});

// A TTL: a duration or "forever"; undefined when absent.
const ttl = z.unknown().optional().transform((value, ctx) => {
  if (value === undefined) return undefined;
  if (value === "forever") return FOREVER;
  const result = duration.safeParse(value);
  if (!result.success) {
    ctx.addIssue({ code: "custom", message: `${result.error.issues[0]?.message ?? "invalid"} (or "forever")` });
    return z.NEVER;
  }
  return result.data;
}).meta({ description: `a duration (${DURATION_HINT}) or "forever"`, anyOf: [{ type: "string", minLength: 1 }, { type: "number", minimum: 0 }] });

const namespaceConditions = z
  .strictObject({
    ttl,
    expires: z.boolean().optional(),
    podsSucceeded: z
      .strictObject({ selector: labelSelector.optional(), initialDelay: duration.default(0), allowNone: z.boolean().default(true) })
      .optional(),
    cel: cel.optional(),
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
  timeout: boundedDuration("webhookTimeout").default(10_000),
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

/** A namespace policy is recorded as the annotation kube-sweeper.io/done.<name>, whose part after the slash the API server caps at 63. */
export const MAX_NAMESPACE_POLICY_NAME = 58;

const namespacePolicy = z.strictObject({
  name: policyName.max(MAX_NAMESPACE_POLICY_NAME, "at most 58 characters (it is recorded as the annotation kube-sweeper.io/done.<name>, whose part after the slash is at most 63)"),
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
          timeout: boundedDuration("terminateTimeout").default(10_000),
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

// Each target module's policies, from the config's own building blocks. Built on first use: the
// modules' code imports this file's constants, so the registry may still be loading when this
// file is evaluated.
const modulePolicies = () => TARGET_FOLDERS.map((t) => t.policySchema({ policyName, nameList, duration, ttl, labelSelector, regex, cel, schedule }));

const UNIMPLEMENTED_TARGETS: string[] = [];
const targets = () => ["pods", "namespaces", "sidecars", "images", ...TARGET_FOLDERS.map((t) => t.module.target), ...UNIMPLEMENTED_TARGETS];

const policy = z
  .unknown()
  .superRefine((value, ctx) => {
    const target = (value as { target?: unknown } | null)?.target;
    if (typeof target === "string" && UNIMPLEMENTED_TARGETS.includes(target)) {
      ctx.addIssue({ code: "custom", path: ["target"], message: `target "${target}" is not available in this version (pods, namespaces and sidecars only)` });
    } else if (target === undefined || !targets().includes(String(target))) {
      ctx.addIssue({ code: "custom", path: ["target"], message: `must be one of ${targets().map((t) => JSON.stringify(t)).join(", ")}, got ${JSON.stringify(target)}` });
    }
  })
  .pipe(z.lazy(() => z.discriminatedUnion("target", [podPolicy, namespacePolicy, sidecarPolicy, imagePolicy, ...modulePolicies()])));

const settings = z
  .strictObject({
    // A timer longer than ~24.8 days fires at once in Node; a day is already far beyond any use.
    waitBetweenActions: boundedDuration("waitBetweenActions").default(10_000),
    maxActions: count.optional(),
    maxActionsPerNamespace: count.optional(),
    maxActionsPerOwner: count.optional(),
    // Pods on one node per run, as descheduler's maxNoOfPodsToEvictPerNode.
    maxActionsPerNode: count.optional(),
    safetyFilters: safetyFilters.optional(),
    abortIfMoreThan: z
      .strictObject({ count: count.optional(), percent: z.number().min(0).max(100).optional() })
      .optional(),
    // Added to the built-in protected namespaces, never replacing them.
    protectedNamespaces: nameList.default([]),
    // Taking a built-in protection away must be said in so many words (and is warned about).
    unprotectBuiltinNamespaces: z.array(z.enum(BUILTIN_PROTECTED_NAMESPACE_TARGETS)).default([]),
    order: z.enum(["oldest-first", "most-restarts-first"]).default("oldest-first"),
    // Also evaluate the namespace manager's NamespaceManager objects (k8s.consol.de/v1beta1).
    namespaceManagers: z.boolean().default(false),
    // Namespaces whose NamespaceManager objects may manage any namespace (elsewhere: their own only).
    crossNamespaceManagersFrom: nameList.default([]),
    // How registries are reached by image checks.
    registries: z
      .strictObject({
        plainHttp: z.array(z.string().min(1)).default([]),
        skipTLSVerify: z.array(z.string().min(1)).default([]),
        mirrors: z.record(z.string().min(1), z.string().min(1)).default({}),
        timeout: boundedDuration("registryTimeout").refine((ms) => ms > 0, "must be more than 0").default(10_000),
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
    protectedNamespaces: [],
    unprotectBuiltinNamespaces: [],
    order: "oldest-first",
    namespaceManagers: false,
    crossNamespaceManagersFrom: [],
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

/** What a valid config still deserves a word about, on every run and in validate. */
export function settingsWarnings(settings: Config["settings"]): string[] {
  return settings.unprotectBuiltinNamespaces.map((ns) =>
    ns === "default" ? "settings.unprotectBuiltinNamespaces: default is not protected: the namespace itself may be acted on" : `settings.unprotectBuiltinNamespaces: ${ns} is not protected: its pods and the namespace itself may be acted on`,
  );
}
export type Settings = Config["settings"];
export type Policy = Config["policies"][number];
export type PodPolicy = Extract<Policy, { target: "pods" }>;
export type NamespacePolicy = Extract<Policy, { target: "namespaces" }>;
export type SidecarPolicy = Extract<Policy, { target: "sidecars" }>;
export type ImagePolicy = Extract<Policy, { target: "images" }>;
export type ResourcePolicy = Extract<Policy, { target: "resources" }>;
export type ResourceConditions = ResourcePolicy["when"];
export type TerminateAction = SidecarPolicy["action"];
export type PodConditions = PodPolicy["when"];
export type NamespaceConditions = NamespacePolicy["when"];
export type NamespaceAction = NamespacePolicy["action"];
export type Match = PodPolicy["match"];
export type NamespaceMatch = NamespacePolicy["match"];
export type Schedule = NonNullable<PodPolicy["schedule"]>;
export type SafetyFilters = z.output<typeof safetyFilters>;
export type ProtectionOptOut = (typeof PROTECTION_OPT_OUTS)[number];

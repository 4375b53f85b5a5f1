// The config of a `target: resources` policy. A factory, so that it shares the config's own
// building blocks (durations, selectors, regular expressions, schedules) without importing
// schema.ts back.
import * as z from "zod";
import { neverTargetReason, resolveKinds } from "../../core/kinds.ts";
import { wellKnownKinds } from "../../core/well-known-kinds.ts";

export const RESOURCE_PROTECTION_OPT_OUTS = ["owned"] as const;
export const PROPAGATION_POLICIES = ["Background", "Foreground", "Orphan"] as const;

export interface SchemaParts<D extends z.ZodType, T extends z.ZodType, S extends z.ZodType, R extends z.ZodType, C extends z.ZodType, Sch extends z.ZodType> {
  policyName: z.ZodType<string>;
  nameList: z.ZodType<string[]>;
  duration: D;
  ttl: T;
  labelSelector: S;
  regex: R;
  cel: C;
  schedule: Sch;
}

export function resourcePolicySchema<D extends z.ZodType, T extends z.ZodType, S extends z.ZodType, R extends z.ZodType, C extends z.ZodType, Sch extends z.ZodType>(
  parts: SchemaParts<D, T, S, R, C, Sch>,
) {
  const kindName = z.string().regex(/^(\*|[A-Za-z0-9][-A-Za-z0-9]*(\.[a-z0-9]([-a-z0-9.]*[a-z0-9])?)?)$/, 'must be a resource name such as deployments.apps, configmaps or widgets.example.com, or "*"');
  return z.strictObject({
    name: parts.policyName,
    target: z.literal("resources"),
    match: z.strictObject({
      // Resolved through the API server's discovery when the run starts.
      // A built-in kind that is never a target is refused here already; the rest waits for discovery.
      kinds: z.array(kindName).min(1).superRefine((kinds, ctx) => {
        kinds.forEach((name, i) => {
          const known = name === "*" ? undefined : resolveKinds([name], wellKnownKinds(), true).kinds[0];
          const never = known && neverTargetReason(known);
          if (never) ctx.addIssue({ code: "custom", path: [i], message: `${JSON.stringify(name)}: ${never}` });
        });
      }),
      namespaces: parts.nameList.optional(),
      namespaceSelector: parts.labelSelector.optional(),
      excludeNamespaces: parts.nameList.optional(),
      selector: parts.labelSelector.optional(),
      name: parts.regex.optional(),
    }),
    when: z
      .strictObject({
        ttl: parts.ttl.optional(),
        expires: z.boolean().optional(),
        olderThan: parts.duration.optional(),
        finishedFor: parts.duration.optional(),
        unused: z.boolean().optional(),
        cel: parts.cel.optional(),
      })
      .refine((when) => Object.values(when ?? {}).some((v) => v !== undefined), {
        message: "at least one condition is required (ttl, expires, olderThan, finishedFor, unused or cel)",
      }),
    // `action: delete` or `{delete: {propagationPolicy: Foreground}}`.
    action: z
      .union([z.literal("delete"), z.strictObject({ delete: z.strictObject({ propagationPolicy: z.enum(PROPAGATION_POLICIES).default("Background") }) })], {
        error: (issue) => (typeof issue.input === "string" ? `must be "delete", got ${JSON.stringify(issue.input)}` : 'must be "delete" or {delete: {propagationPolicy: Background|Foreground|Orphan}}'),
      })
      .transform((a) => ({ kind: "deleteResource" as const, propagationPolicy: a === "delete" ? ("Background" as const) : a.delete.propagationPolicy })),
    schedule: parts.schedule.optional(),
    // `owned`: also objects a controller owns (deleting one only makes the controller recreate it).
    ignoreProtections: z.array(z.enum(RESOURCE_PROTECTION_OPT_OUTS)).optional(),
    // A Warning Event on the object this long before its ttl or expiry falls due (kube-janitor's --delete-notification).
    notifyBefore: parts.duration.optional(),
  }).superRefine((policy, ctx) => {
    if (policy.notifyBefore !== undefined && policy.when.ttl === undefined && policy.when.expires !== true) {
      ctx.addIssue({ code: "custom", path: ["notifyBefore"], message: "needs when.ttl or when.expires: it warns before one of them falls due" });
    }
  });
}

// The contract's JSON report shape, as a schema the tests check output against.
import * as z from "zod";

const podTarget = z.strictObject({ kind: z.literal("Pod"), namespace: z.string().min(1), name: z.string().min(1), uid: z.string().min(1) });
const namespaceTarget = z.strictObject({ kind: z.literal("Namespace"), name: z.string().min(1), uid: z.string().min(1) });
// Any other kind is a resource target: its apiVersion, and a namespace unless cluster-scoped.
const resourceTarget = z.strictObject({ kind: z.string().min(1).refine((k) => k !== "Pod" && k !== "Namespace"), apiVersion: z.string().min(1), namespace: z.string().min(1).optional(), name: z.string().min(1), uid: z.string().min(1) });
const target = z.union([podTarget, namespaceTarget, resourceTarget]);
const skippedTarget = z.union([podTarget.omit({ uid: true }), namespaceTarget.omit({ uid: true }), resourceTarget.omit({ uid: true })]);

export const reportShape = z.object({
  apiVersion: z.literal("kube-sweeper.io/v1alpha1"),
  kind: z.literal("SweepReport"),
  mode: z.enum(["plan", "sweep", "dry-run"]),
  startedAt: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
  finishedAt: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
  source: z.strictObject({ server: z.string(), version: z.string() }),
  summary: z.object({
    evaluated: z.object({ pods: z.number().int(), namespaces: z.number().int(), resources: z.number().int().optional() }),
    planned: z.number().int(),
    done: z.number().int(),
    failed: z.number().int(),
    blocked: z.number().int(),
    gone: z.number().int(),
    skipped: z.number().int(),
  }),
  actions: z.array(
    z.strictObject({
      policy: z.string(),
      action: z.enum(["delete", "evict", "terminate", "deleteNamespace", "scaleDown", "webhook", "deleteResource"]),
      target,
      reasons: z.array(z.string()),
      // Only for a delete with an explicit grace period (0: forced).
      gracePeriodSeconds: z.number().int().min(0).optional(),
      status: z.enum(["planned", "would-do", "done", "failed", "blocked", "gone", "conflict", "skipped"]),
      detail: z.string(),
      at: z.string().nullable(),
    }),
  ),
  abortReason: z.string().optional(),
  interrupted: z.string().optional(),
  skipped: z.array(z.strictObject({ policy: z.string(), target: skippedTarget, reason: z.string().min(1) })),
  // A resource policy's notifyBefore: Warning Events before deletions (present only when there are any).
  notices: z
    .array(
      z.strictObject({
        policy: z.string(),
        target: resourceTarget,
        dueAt: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
        reasons: z.array(z.string()).min(1),
        status: z.enum(["planned", "would-do", "done", "skipped", "failed"]),
        detail: z.string(),
        at: z.string().nullable(),
      }),
    )
    .min(1)
    .optional(),
});

export type ReportShape = z.infer<typeof reportShape>;

export function parseReport(stdout: string): ReportShape {
  return reportShape.parse(JSON.parse(stdout));
}

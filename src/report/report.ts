// The JSON report, exactly the contract's shape, plus the summary counters.
import { isoSeconds } from "../core/clock.ts";
import { API_VERSION } from "../config/schema.ts";
import type { Action, ActionStatus, ServedAs, Skipped, TargetRef } from "../plan/types.ts";
import { targetModules } from "../policies/targets.ts";

export type ReportMode = "plan" | "sweep" | "dry-run" | "images";

export interface ImageEntry {
  image: string;
  status: string;
  detail: string;
  workloads: { kind: string; namespace: string; name: string; container: string }[];
}

export interface SweepReport {
  apiVersion: typeof API_VERSION;
  kind: "SweepReport";
  mode: ReportMode;
  dryRun?: "client" | "server";
  startedAt: string;
  finishedAt: string;
  source: { server: string; version: string };
  summary: {
    evaluated: { pods: number; namespaces: number; [targetModuleKey: string]: number };
    planned: number;
    done: number;
    failed: number;
    blocked: number;
    gone: number;
    conflict: number;
    skipped: number;
  };
  actions: Action[];
  skipped: Skipped[];
  abortReason?: string;
  interrupted?: string;
  images?: ImageEntry[];
  notifications?: Notification[];
  notices?: Notice[];
}

/**
 * A resource policy's `notifyBefore`: a Warning Event on an object whose ttl or expiry falls due
 * soon. Not an action: it changes nothing, so it is counted by no limit and no summary counter.
 * `skipped`: an earlier run already sent it (its Event exists).
 */
export interface Notice {
  policy: string;
  target: TargetRef;
  dueAt: string;
  reasons: string[];
  status: "planned" | "would-do" | "done" | "skipped" | "failed";
  detail: string;
  at: string | null;
}

/** A webhook call of an image policy: one per policy and run, listing the images not available. */
export interface Notification {
  policy: string;
  /** Only the host: a URL may carry a token in its path or query. */
  host: string;
  images: number;
  status: "planned" | "would-do" | "done" | "failed";
  detail: string;
  at: string | null;
}

export interface ReportInput {
  mode: ReportMode;
  dryRun?: "client" | "server";
  startedAt: number;
  finishedAt: number;
  source: { server: string; version: string };
  evaluated: { pods: number; namespaces: number; [targetModuleKey: string]: number };
  actions: Action[];
  skipped: Skipped[];
  abortReason?: string | undefined;
  interrupted?: string | undefined;
  images?: ImageEntry[] | undefined;
  notifications?: Notification[] | undefined;
  notices?: Notice[] | undefined;
}

export function buildReport(input: ReportInput): SweepReport {
  const count = (status: ActionStatus) => input.actions.filter((a) => a.status === status).length;
  const report: SweepReport = {
    apiVersion: API_VERSION,
    kind: "SweepReport",
    mode: input.mode,
    ...(input.dryRun ? { dryRun: input.dryRun } : {}),
    startedAt: isoSeconds(input.startedAt),
    finishedAt: isoSeconds(input.finishedAt),
    source: input.source,
    summary: {
      evaluated: input.evaluated,
      planned: input.actions.length,
      done: count("done"),
      failed: count("failed"),
      blocked: count("blocked"),
      gone: count("gone"),
      conflict: count("conflict"),
      // Held back by the plan, or found no longer qualifying when read again before the write.
      skipped: input.skipped.length + count("skipped"),
    },
    actions: input.actions.map((a) => ({ ...a, target: reportTarget(a.target) })),
    skipped: input.skipped.map((s) => ({ ...s, target: reportTarget(s.target) })),
  };
  if (input.abortReason) report.abortReason = input.abortReason;
  if (input.interrupted) report.interrupted = input.interrupted;
  if (input.images) report.images = input.images;
  if (input.notifications?.length) report.notifications = input.notifications;
  if (input.notices?.length) report.notices = input.notices.map((n) => ({ ...n, target: reportTarget(n.target) }));
  return report;
}

/**
 * A Namespace target has no namespace of its own in the report. A resource target says its
 * apiVersion (kinds of different groups share names); a cluster-scoped one has no namespace.
 */
function reportTarget<T extends { kind: string; namespace: string; resource?: ServedAs }>(target: T): T {
  if (target.resource) {
    const { resource: served, namespace, ...rest } = target;
    return { ...rest, apiVersion: served.group ? `${served.group}/${served.version}` : served.version, ...(served.namespaced ? { namespace } : {}) } as unknown as T;
  }
  if (target.kind !== "Namespace") return target;
  const { namespace: _own, ...rest } = target;
  return rest as T;
}

export function summaryLine(report: SweepReport): string {
  const s = report.summary;
  return (
    `evaluated ${s.evaluated.pods} pods in ${s.evaluated.namespaces} namespaces${evaluatedByModules(s.evaluated)}; ` +
    `planned ${s.planned}, done ${s.done}, failed ${s.failed}, blocked ${s.blocked}, gone ${s.gone}, conflict ${s.conflict}, skipped ${s.skipped}`
  );
}

/** " and 120 objects of resource policies": what each target module counted, when it ran. */
function evaluatedByModules(evaluated: Record<string, number | undefined>): string {
  return targetModules()
    .flatMap((m) => (evaluated[m.evaluated.key] !== undefined ? [` and ${evaluated[m.evaluated.key]} ${m.evaluated.noun}`] : []))
    .join("");
}

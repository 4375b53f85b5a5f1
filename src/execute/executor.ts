// plan -> outcomes: the only step that writes. A client dry run walks the same plan and
// branches only at the point of the write, so it can never disagree with a real run.
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "../core/log.ts";
import { formatDuration } from "../core/duration.ts";
import { describeTargetRef, type Action, type Plan } from "../plan/types.ts";
import type { Performers } from "./performers.ts";

export type WriteMode = "real" | "client-dry-run" | "server-dry-run";

export function describeTarget(action: Action): string {
  return describeTargetRef(action.target);
}

export interface ExecuteOptions {
  mode: WriteMode;
  performers: Performers;
  waitBetweenActions: number;
  /** Aborted by SIGTERM/SIGINT or the deadline: the action in flight finishes, no new one starts. */
  signal: AbortSignal;
  log: Logger;
  clock: () => number;
  onProgress?: (done: number, total: number, action: Action) => void;
  /** Writes in flight at most (default 1). */
  concurrency?: number;
  /** After each action that sent a write (the Event for it). */
  afterAction?: (action: Action) => Promise<void>;
}

export interface ExecutionResult {
  actions: Action[];
  /** SIGTERM/SIGINT or the deadline: exit 4. */
  interrupted: string | undefined;
  /** The API server stopped answering or kept failing: the rest was not started (exit 1). */
  stopped: string | undefined;
}

export async function executePlan(plan: Plan, options: ExecuteOptions): Promise<ExecutionResult> {
  const { mode, performers, log, signal } = options;
  const actions = plan.actions.map((a) => ({ ...a }));
  if (mode === "client-dry-run") {
    for (const action of actions) {
      action.status = "would-do";
      log.info(`DRY-RUN: would ${action.action} ${describeTarget(action)}`, { policy: action.policy });
    }
    return { actions, interrupted: undefined, stopped: undefined };
  }
  let interrupted: string | undefined;
  let stopped: string | undefined;
  let next = 0;
  let started = 0;
  // The actions in flight when the run was cancelled: the report names them.
  const inFlight = new Set<Action>();
  const cutShort = new Set<Action>();
  const onAbort = () => inFlight.forEach((a) => cutShort.add(a));
  signal.addEventListener("abort", onAbort, { once: true });
  // Each worker writes, then pauses: with concurrency 1 (the default) the wait is the time between
  // two writes; with n workers at most n writes are in flight and each pauses after its own.
  const worker = async () => {
    // The Event of a write is awaited before the pause; without a pause it goes out alongside
    // the worker's next write instead (one at a time, in order).
    let event: Promise<void> | undefined;
    try {
      for (;;) {
        if (stopped || interrupted || next >= actions.length) return;
        if (signal.aborted) {
          interrupted = String(signal.reason ?? "interrupted");
          return;
        }
        const action = actions[next++]!;
        options.onProgress?.(++started, actions.length, action);
        let outcome;
        inFlight.add(action);
        try {
          outcome = await performers[action.action](action, mode === "server-dry-run");
        } catch (error) {
          outcome = { status: "failed" as const, detail: (error as Error).message.split("\n")[0]! };
        } finally {
          inFlight.delete(action);
        }
        if (cutShort.has(action) && outcome.status === "failed") {
          // Cancelled, not broken: the API did not stop answering, the run stopped asking.
          const why = String(signal.reason ?? "interrupted");
          outcome = { status: "failed" as const, detail: outcome.detail.startsWith("interrupted") ? outcome.detail : `interrupted (${why}): ${outcome.detail}` };
        }
        action.at = new Date(options.clock()).toISOString();
        action.detail = outcome.detail;
        if (outcome.reasons) action.reasons = outcome.reasons;
        action.status = mode === "server-dry-run" && outcome.status === "done" ? "would-do" : outcome.status;
        const line = `${mode === "server-dry-run" ? "DRY-RUN (server): " : ""}${action.action} ${describeTarget(action)}: ${action.status}`;
        (action.status === "failed" ? log.warn : log.info)(line, { policy: action.policy, ...(action.detail ? { detail: action.detail } : {}) });
        // Every further write would wait out the same retries and fail the same way.
        if (outcome.stopsRun) stopped ??= outcome.stopsRun;
        if (stopped) return;
        if (options.afterAction && !signal.aborted) {
          const record = () => options.afterAction!(action);
          event = event ? event.then(record) : record();
          if (options.waitBetweenActions > 0) await event;
        }
        // Dry runs change nothing, so there is nothing to pace.
        if (next < actions.length && mode === "real" && options.waitBetweenActions > 0) {
          log.debug(`waiting ${formatDuration(options.waitBetweenActions)} before the next write`);
          try {
            await sleep(options.waitBetweenActions, undefined, { signal });
          } catch {
            // Interrupted while pacing: the next turn records it.
          }
        }
      }
    } finally {
      await event;
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 1, actions.length)) }, worker));
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
  // Cancelled during the last action (or its Event) is an interruption too: nothing is left to
  // start, but what was in flight was cut short.
  if (signal.aborted) {
    interrupted ??= String(signal.reason ?? "interrupted");
    stopped = undefined;
  }
  if (interrupted && cutShort.size > 0) interrupted += ` during ${[...cutShort].map((a) => `${a.action} ${describeTarget(a)}`).join(", ")}`;
  const why = stopped ?? interrupted;
  if (why) markNotStarted(actions.filter((a) => a.status === "planned"), why);
  return { actions, interrupted, stopped };
}

function markNotStarted(actions: Action[], why: string): void {
  for (const action of actions) action.detail = `not started: ${why}`;
}

import { Option, type Command } from "commander";
import type { Config } from "../config/schema.ts";
import { overMaximum } from "../config/maxima.ts";
import { EXIT, ClusterAccessError, UsageError, type ExitCode } from "../errors.ts";
import { createPodWriter } from "../cluster/pod-writer.ts";
import { createNamespaceWriter } from "../cluster/namespace-writer.ts";
import { createSidecarTerminator } from "../cluster/sidecar-terminator.ts";
import { acquireLock, LockHeldError, type Lock } from "../cluster/lease.ts";
import { createEventRecorder, createNoticeSender, EVENTS_NAMESPACE_FOR_CLUSTER_SCOPED } from "../cluster/events.ts";
import { noticesOf, sendNotices } from "../execute/notices.ts";
import { describeTargetRef, type DueNotice } from "../plan/types.ts";
import { describeDenied, missingPermissions } from "../cluster/access-review.ts";
import { requiredPermissions, writeChecks } from "../deploy/permissions.ts";
import { executePlan, type WriteMode } from "../execute/executor.ts";
import { createPerformers, targetPerformers, type Performers } from "../execute/performers.ts";
import { actionKinds } from "../policies/targets.ts";
import { createFreshLook } from "../execute/fresh-look.ts";
import { createFreshReader } from "../cluster/fresh-reader.ts";
import { protectedNamespacesOf } from "../plan/collect.ts";
import { imageEntries } from "../images/run.ts";
import { plannedNotifications, sendNotifications } from "../execute/image-notifications.ts";
import { buildReport, type Notice, type SweepReport } from "../report/report.ts";
import { printReport } from "../report/print.ts";
import { publishMetrics } from "../report/metrics.ts";
import { durationFlag, makeLogger, selfPod, type GlobalOptions, type Io } from "./context.ts";
import { evaluatedCounts, prepare, type Prepared } from "./prepare.ts";

interface SweepFlags {
  dryRun?: true | string;
  wait?: string;
  maxActions?: string;
  deadline?: string;
  metricsFile?: string;
  pushgateway?: string;
  concurrency?: string;
}

export function registerSweep(program: Command, io: Io, run: (code: Promise<ExitCode>) => void): void {
  program
    .command("sweep")
    .description("plan, then act on the planned targets, pausing between writes")
    .addOption(new Option("--dry-run [mode]", "client (default): act on nothing, like plan; server: send every write with dryRun=All"))
    .option("--wait <duration>", "pause after each write (overrides settings.waitBetweenActions)")
    .option("--max-actions <n>", "at most this many actions this run (overrides settings.maxActions)")
    .option("--deadline <duration>", "after this long, cut short what is in flight and start nothing more (exit 4; at most 24h)")
    .option("--concurrency <n>", "writes in flight at most (default 1); each pauses --wait after its own write")
    .option("--metrics-file <file>", "write run metrics for node-exporter's textfile collector (atomic rename)")
    .option("--pushgateway <url>", "push run metrics to a Prometheus Pushgateway (pushAdd)")
    .action((flags: SweepFlags, command: Command) => run(sweepCommand(command.optsWithGlobals<GlobalOptions>(), flags, io)));
}

function writeMode(flag: SweepFlags["dryRun"], seedDryRun: boolean): WriteMode {
  if (flag === undefined) return seedDryRun ? "client-dry-run" : "real";
  if (flag === true || flag === "client") return "client-dry-run";
  if (flag === "server") return "server-dry-run";
  throw new UsageError(`--dry-run: expected client or server, got ${JSON.stringify(flag)}`);
}

/**
 * A pinned clock makes young objects look old, so only a client dry run takes --now. A server dry
 * run is refused too: its requests are real (admission webhooks see them, disruption budgets are
 * consulted), sent for a plan the real clock would not make.
 */
function refusePinnedClock(options: GlobalOptions, mode: WriteMode): void {
  if (options.now === undefined || mode === "client-dry-run") return;
  throw new UsageError(`--now ${JSON.stringify(options.now)}: a pinned clock is accepted only with --dry-run (client), never by a sweep that sends writes${mode === "server-dry-run" ? " (--dry-run=server sends them for real, with dryRun=All)" : ""}`);
}

function countFlag(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`${flag}: expected a whole number >= 0, got ${JSON.stringify(value)}`);
  return Number(value);
}

async function sweepCommand(options: GlobalOptions, flags: SweepFlags, io: Io): Promise<ExitCode> {
  const log = makeLogger(options, io);
  const wait = durationFlag("--wait", flags.wait);
  const maxActions = countFlag("--max-actions", flags.maxActions);
  const deadline = durationFlag("--deadline", flags.deadline);
  const concurrency = countFlag("--concurrency", flags.concurrency) ?? 1;
  if (concurrency < 1 || concurrency > 256) throw new UsageError(`--concurrency: expected a whole number from 1 to 256, got ${JSON.stringify(flags.concurrency)}`);
  // Node fires a timer longer than ~24.8 days at once; a one-shot run never needs a day.
  const tooLong = (wait !== undefined && overMaximum("waitBetweenActions", wait) && `--wait: ${overMaximum("waitBetweenActions", wait)}`) || (deadline !== undefined && overMaximum("deadline", deadline) && `--deadline: ${overMaximum("deadline", deadline)}`);
  if (tooLong) throw new UsageError(tooLong);
  if (flags.pushgateway && !/^https?:\/\//.test(flags.pushgateway)) throw new UsageError(`--pushgateway: expected an http(s) URL, got ${JSON.stringify(flags.pushgateway)}`);
  // reject a bad --dry-run before touching the cluster; a file is no ground to act on
  if (writeMode(flags.dryRun, false) !== "client-dry-run" && options.snapshot) throw new UsageError("sweep acts on the live cluster; --snapshot is for plan, explain, images and sweep --dry-run");
  const adjust = (config: Config): Config => ({
    ...config,
    settings: { ...config.settings, ...(wait !== undefined ? { waitBetweenActions: wait } : {}), ...(maxActions !== undefined ? { maxActions } : {}) },
  });

  // The run's one cancellation: every wait and every request (API, webhooks, registries, exec)
  // listens to it, through the ApiPolicy it is bound to and the performers.
  const interrupt = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupt.signal.aborted) return;
    log.warn(`${signal} received: cutting short what is in flight, starting nothing more`);
    interrupt.abort(`${signal} received`);
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  const startedAt = Date.now();
  const timer = deadline !== undefined ? setTimeout(() => interrupt.abort(`deadline ${flags.deadline} reached`), deadline) : undefined;
  let lock: Lock | undefined;
  try {
    // Only a real sweep writes, so only a real sweep takes the lock; it is taken before reading,
    // so the plan is made by the one run that will act on it.
    const onConnected = async (cluster: NonNullable<Prepared["cluster"]>, config: Config, seedDryRun: boolean) => {
      // No retry wait outlasts the deadline or an interruption.
      cluster.api.bound(deadline !== undefined ? startedAt + deadline : undefined, interrupt.signal);
      // A connection per writer, and one more for the Event each sends alongside its next write.
      cluster.client.allowConnections(2 * concurrency);
      const mode = writeMode(flags.dryRun, seedDryRun);
      refusePinnedClock(options, mode);
      if (mode !== "real" || !config.settings.lock.enabled) return;
      try {
        lock = await acquireLock(cluster.client, config.settings.lock, {
          clock: Date.now,
          policy: cluster.api,
          self: knownPod(selfPod(io.env)),
          log,
          onLost: (why) => {
            log.error(`${why}: stopping, starting nothing more`);
            interrupt.abort(why);
          },
        });
      } catch (error) {
        if (error instanceof LockHeldError) throw new ClusterAccessError(error.message);
        throw error;
      }
      log.debug(`took the lock ${config.settings.lock.namespace}/${config.settings.lock.name} as ${lock.holder}`);
    };
    const prepared = await prepare({ options, io, log, adjust, onConnected: (cluster, config, loaded) => onConnected(cluster, config, loaded.dryRun) });
    const mode = writeMode(flags.dryRun, prepared.loaded.dryRun);
    refusePinnedClock(options, mode);
    const dryRun = mode === "client-dry-run" ? "client" : mode === "server-dry-run" ? "server" : undefined;
    if (dryRun) log.info(`DRY-RUN (${dryRun}): nothing will be changed`);
    const images = prepared.images;
    const planned = images ? plannedNotifications(images.policies, images.findings) : [];
    const due = prepared.collected.notices;
    const report = (actions = prepared.plan.actions, interrupted?: string, notifications = planned, notices: Notice[] = noticesOf(due, "planned")): SweepReport =>
      buildReport({
        mode: dryRun ? "dry-run" : "sweep",
        dryRun,
        startedAt,
        finishedAt: Date.now(),
        source: prepared.view.source,
        evaluated: evaluatedCounts(prepared),
        actions,
        skipped: prepared.plan.skipped,
        abortReason: prepared.plan.abortReason,
        interrupted,
        images: images && imageEntries(images.findings),
        notifications,
        notices,
      });
    const finish = async (result: SweepReport, code: ExitCode): Promise<ExitCode> => {
      printReport(result, options, io);
      for (const problem of await publishMetrics(result, code, { file: flags.metricsFile, pushgateway: flags.pushgateway, startedAt }, images?.findings)) log.warn(problem);
      return code;
    };

    if (prepared.plan.abortReason) {
      log.error(`${prepared.plan.abortReason}: acting on nothing`);
      const held = (detail: string) => ({ detail: `not started: ${detail}` });
      return finish(report(prepared.plan.actions.map((a) => ({ ...a, ...held("blast-radius guard") })), undefined, planned.map((n) => ({ ...n, ...held("blast-radius guard") })), noticesOf(due, "planned", "not started: blast-radius guard")), EXIT.blastRadius);
    }
    if (mode !== "client-dry-run" && (prepared.plan.actions.length > 0 || due.length > 0)) await checkPermissions(prepared, mode === "real", due);
    const performers = mode === "client-dry-run" || prepared.plan.actions.length === 0 ? unusedPerformers() : await livePerformers(prepared, io, log, interrupt.signal);
    const recordEvent = mode === "real" && prepared.plan.actions.length > 0 ? await createEventRecorder(prepared.cluster!.client, prepared.cluster!.api, Date.now) : undefined;
    const result = await executePlan(prepared.plan, {
      mode,
      performers,
      waitBetweenActions: prepared.config.settings.waitBetweenActions,
      concurrency,
      signal: interrupt.signal,
      log,
      clock: Date.now,
      onProgress: io.stderrIsTTY ? (n, total) => io.stderr(`\raction ${n} of ${total}`) : undefined,
      afterAction: recordEvent
        ? async (action) => {
            const problem = await recordEvent(action);
            if (problem) log.warn(`${action.action} ${action.target.name}: ${problem}`);
          }
        : undefined,
    });
    if (io.stderrIsTTY && prepared.plan.actions.length > 0) io.stderr("\r\x1b[K");
    // Notices go after the actions, and not at all once the API server stopped answering.
    const notStarted = result.interrupted ?? result.stopped;
    const notices = notStarted
      ? noticesOf(due, "planned", `not started: ${notStarted}`)
      : mode === "client-dry-run" || due.length === 0
        ? noticesOf(due, "would-do")
        : await sendNotices(due, createNoticeSender(prepared.cluster!.client, prepared.cluster!.api, Date.now, mode === "server-dry-run"), mode === "server-dry-run", Date.now, interrupt.signal);
    for (const n of notices) (n.status === "failed" ? log.warn : log.info)(`notice of policy ${n.policy} on ${describeTargetRef(n.target)} (due ${n.dueAt}): ${n.status}`, n.detail ? { detail: n.detail } : {});
    prepared.cluster?.client.close();
    // Image webhooks change nothing in the cluster: they go out even when the cluster stopped answering.
    const notifications = result.interrupted
      ? planned.map((n) => ({ ...n, detail: `not started: ${result.interrupted}` }))
      : await sendNotifications(images?.policies ?? [], images?.findings ?? [], planned, { mode, env: io.env, clock: Date.now, source: prepared.view.source, signal: interrupt.signal });
    for (const n of notifications) (n.status === "failed" ? log.warn : log.info)(`webhook of image policy ${n.policy} (${n.images} images): ${n.status}`, n.detail ? { detail: n.detail } : {});
    if (result.stopped) log.error(`stopped: ${result.stopped}; ${result.actions.filter((a) => a.status === "planned").length} actions not started; a later run picks them up`);
    const failed = result.actions.some((a) => a.status === "failed") || notifications.some((n) => n.status === "failed") || notices.some((n) => n.status === "failed");
    // Cancelled while the image webhooks went out is an interruption too.
    const interrupted = result.interrupted ?? (interrupt.signal.aborted ? String(interrupt.signal.reason) : undefined);
    const code = interrupted ? EXIT.interrupted : failed ? EXIT.actionFailed : EXIT.ok;
    return finish(report(result.actions, interrupted ?? result.stopped, notifications, notices), code);
  } catch (error) {
    // Cancelled before acting (reading, checking images or permissions): whatever failed, failed
    // because of it.
    if (!interrupt.signal.aborted) throw error;
    log.error(`interrupted (${String(interrupt.signal.reason)}) before acting: nothing was done`);
    return EXIT.interrupted;
  } finally {
    if (timer) clearTimeout(timer);
    process.off("SIGTERM", onSignal);
    process.off("SIGINT", onSignal);
    const problem = await lock?.release();
    if (problem) log.warn(problem);
  }
}

/** Every permission the planned writes need, asked of the API server before the first one. */
async function checkPermissions(prepared: Prepared, withEvents: boolean, notices: DueNotice[]): Promise<void> {
  const permissions = requiredPermissions(prepared.config);
  const checks = writeChecks(permissions, prepared.plan.actions, withEvents);
  // A notice is an Event, sent in a server dry run too (with dryRun=All).
  const events = permissions.find((p) => p.events);
  for (const namespace of new Set(notices.map((n) => (n.target.resource?.namespaced ? n.target.namespace : EVENTS_NAMESPACE_FOR_CLUSTER_SCOPED)))) {
    if (events && !checks.some((c) => c.permission === events && c.namespace === namespace)) checks.push({ permission: events, namespace });
  }
  const denied = await missingPermissions(prepared.cluster!.client, checks, prepared.cluster!.api);
  if (denied.length > 0) {
    throw new ClusterAccessError(`missing permission${denied.length > 1 ? "s" : ""}, nothing was done: ${denied.map(describeDenied).join("; ")}`);
  }
}

function unusedPerformers(): Performers {
  const refuse = async (): Promise<never> => {
    throw new Error("a client dry run never writes");
  };
  return Object.fromEntries(actionKinds().map((kind) => [kind, refuse])) as unknown as Performers;
}

/** Writers are created (and the client loaded) only for the kinds of action the plan has. */
async function livePerformers(prepared: Prepared, io: Io, log: ReturnType<typeof makeLogger>, signal: AbortSignal): Promise<Performers> {
  const { client, api } = prepared.cluster!;
  // The client library (most of a sweep's memory) only for the writers that still use it.
  const kc = () => prepared.cluster!.writerConfig();
  const kinds = new Set<string>(prepared.plan.actions.map((a) => a.action));
  const has = (...wanted: string[]) => wanted.some((k) => kinds.has(k));
  const reader = createFreshReader(client);
  // The run's clock at the write's time: a pinned --now (dry runs) moves on with real time.
  const now = () => prepared.now + (Date.now() - prepared.startedAt);
  const fresh = createFreshLook({
    reader,
    podPolicies: prepared.collected.podPolicies,
    namespacePolicies: prepared.collected.namespacePolicies,
    protectedNamespaces: protectedNamespacesOf(prepared.config),
    safetyFilters: prepared.config.settings.safetyFilters,
    priorityClasses: prepared.view.priorityClasses,
    self: selfPod(io.env),
    namespacesRead: prepared.view.namespaces !== undefined,
    now,
  });
  const handWired = createPerformers({
    pods: has("delete", "evict") ? await createPodWriter(client, api) : undefined,
    namespaces: has("deleteNamespace", "scaleDown", "webhook") ? await createNamespaceWriter(await kc(), client, api) : undefined,
    sidecars: has("terminate") ? await createSidecarTerminator(await kc(), api, Date.now) : undefined,
    fresh,
    namespacePolicies: prepared.collected.namespacePolicies,
    sidecarPolicies: prepared.collected.podPolicies.filter((p) => p.target === "sidecars"),
    managers: prepared.managers,
    env: io.env,
    log,
    clock: Date.now,
    signal,
  });
  const modules = await targetPerformers(prepared.config, prepared.collected.targetDetails, kinds, {
    writerConfig: kc,
    api,
    reader,
    namespaceAsNow: fresh.namespaceAsNow,
    namespacesRead: prepared.view.namespaces !== undefined,
    now,
  });
  return { ...handWired, ...modules } as Performers;
}

/** The lock names a pod only when its namespace is known; otherwise it names the host and pid. */
function knownPod(self: ReturnType<typeof selfPod>): { namespace: string; name: string } | undefined {
  return self?.namespace ? { namespace: self.namespace, name: self.name } : undefined;
}

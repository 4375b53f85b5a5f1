import { Option, type Command } from "commander";
import type { Config } from "../config/schema.ts";
import { EXIT, UsageError, type ExitCode } from "../errors.ts";
import { createPodWriter } from "../cluster/pod-writer.ts";
import { createNamespaceWriter } from "../cluster/namespace-writer.ts";
import { createSidecarTerminator } from "../cluster/sidecar-terminator.ts";
import { executePlan, type WriteMode } from "../execute/executor.ts";
import { createPerformers, type Performers } from "../execute/performers.ts";
import { buildReport } from "../report/report.ts";
import { printReport } from "../report/print.ts";
import { durationFlag, makeLogger, type GlobalOptions, type Io } from "./context.ts";
import { evaluatedCounts, prepare, type Prepared } from "./prepare.ts";

interface SweepFlags {
  dryRun?: true | string;
  wait?: string;
  maxActions?: string;
  deadline?: string;
}

export function registerSweep(program: Command, io: Io, run: (code: Promise<ExitCode>) => void): void {
  program
    .command("sweep")
    .description("plan, then act: delete or evict the planned pods, pausing between writes")
    .addOption(new Option("--dry-run [mode]", "client (default): act on nothing, like plan; server: send every write with dryRun=All"))
    .option("--wait <duration>", "pause after each write (overrides settings.waitBetweenActions)")
    .option("--max-actions <n>", "at most this many actions this run (overrides settings.maxActions)")
    .option("--deadline <duration>", "stop starting new actions after this long (exit 4)")
    .action((flags: SweepFlags, command: Command) => run(sweepCommand(command.optsWithGlobals<GlobalOptions>(), flags, io)));
}

function writeMode(flag: SweepFlags["dryRun"], seedDryRun: boolean): WriteMode {
  if (flag === undefined) return seedDryRun ? "client-dry-run" : "real";
  if (flag === true || flag === "client") return "client-dry-run";
  if (flag === "server") return "server-dry-run";
  throw new UsageError(`--dry-run: expected client or server, got ${JSON.stringify(flag)}`);
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
  writeMode(flags.dryRun, false); // reject a bad --dry-run before touching the cluster
  const adjust = (config: Config): Config => ({
    ...config,
    settings: { ...config.settings, ...(wait !== undefined ? { waitBetweenActions: wait } : {}), ...(maxActions !== undefined ? { maxActions } : {}) },
  });

  const interrupt = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    log.warn(`${signal} received: finishing the action in flight, starting no more`);
    interrupt.abort(`${signal} received`);
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  const startedAt = Date.now();
  const timer = deadline !== undefined ? setTimeout(() => interrupt.abort(`deadline ${flags.deadline} reached`), deadline) : undefined;
  try {
    const prepared = await prepare({ options, io, log, adjust });
    const mode = writeMode(flags.dryRun, prepared.loaded.dryRun);
    const dryRun = mode === "client-dry-run" ? "client" : mode === "server-dry-run" ? "server" : undefined;
    if (dryRun) log.info(`DRY-RUN (${dryRun}): nothing will be changed`);
    const report = (actions = prepared.plan.actions, interrupted?: string) =>
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
      });

    if (prepared.plan.abortReason) {
      log.error(`${prepared.plan.abortReason}: acting on nothing`);
      printReport(report(prepared.plan.actions.map((a) => ({ ...a, detail: "not started: blast-radius guard" }))), options, io);
      return EXIT.blastRadius;
    }
    const performers = mode === "client-dry-run" || prepared.plan.actions.length === 0 ? unusedPerformers() : await livePerformers(prepared, io, log);
    const result = await executePlan(prepared.plan, {
      mode,
      performers,
      waitBetweenActions: prepared.config.settings.waitBetweenActions,
      signal: interrupt.signal,
      log,
      clock: Date.now,
      onProgress: io.stderrIsTTY ? (n, total) => io.stderr(`\raction ${n} of ${total}`) : undefined,
    });
    if (io.stderrIsTTY && prepared.plan.actions.length > 0) io.stderr("\r\x1b[K");
    prepared.cluster?.client.close();
    printReport(report(result.actions, result.interrupted), options, io);
    if (result.interrupted) return EXIT.interrupted;
    return result.actions.some((a) => a.status === "failed") ? EXIT.actionFailed : EXIT.ok;
  } finally {
    if (timer) clearTimeout(timer);
    process.off("SIGTERM", onSignal);
    process.off("SIGINT", onSignal);
  }
}

function unusedPerformers(): Performers {
  const refuse = async (): Promise<never> => {
    throw new Error("a client dry run never writes");
  };
  return { delete: refuse, evict: refuse, terminate: refuse, deleteNamespace: refuse, scaleDown: refuse, webhook: refuse };
}

/** Writers are created (and the client loaded) only for the kinds of target the plan acts on. */
async function livePerformers(prepared: Prepared, io: Io, log: ReturnType<typeof makeLogger>): Promise<Performers> {
  const { kc, client, timeoutMs } = prepared.cluster!;
  const kinds = new Set(prepared.plan.actions.map((a) => a.action));
  const has = (...wanted: string[]) => wanted.some((k) => kinds.has(k as never));
  return createPerformers({
    pods: has("delete", "evict") ? await createPodWriter(kc, client, timeoutMs) : undefined,
    namespaces: has("deleteNamespace", "scaleDown", "webhook") ? await createNamespaceWriter(kc, client, timeoutMs) : undefined,
    sidecars: has("terminate") ? await createSidecarTerminator(kc, client, timeoutMs, Date.now) : undefined,
    namespacePolicies: prepared.collected.namespacePolicies,
    sidecarPolicies: prepared.collected.podPolicies.filter((p) => p.target === "sidecars"),
    managers: prepared.managers,
    env: io.env,
    log,
    clock: Date.now,
  });
}

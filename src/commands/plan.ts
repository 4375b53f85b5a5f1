import type { Command } from "commander";
import { EXIT, type ExitCode } from "../errors.ts";
import { buildReport } from "../report/report.ts";
import { printReport } from "../report/print.ts";
import { cannotBePulled, imageEntries } from "../images/run.ts";
import { plannedNotifications } from "../execute/image-notifications.ts";
import { noticesOf } from "../execute/notices.ts";
import { makeLogger, type GlobalOptions, type Io } from "./context.ts";
import { evaluatedCounts, prepare } from "./prepare.ts";

export function registerPlan(program: Command, io: Io, run: (code: Promise<ExitCode>) => void): void {
  program
    .command("plan")
    .description("read the cluster, evaluate the policies and print what a sweep would do; never writes")
    .option("--fail-on-findings", "exit 5 when the plan is not empty or an image policy found an image absent (for CI gates)")
    .action((flags: { failOnFindings?: boolean }, command: Command) => run(planCommand(command.optsWithGlobals<GlobalOptions>(), flags, io)));
}

async function planCommand(options: GlobalOptions, flags: { failOnFindings?: boolean }, io: Io): Promise<ExitCode> {
  const log = makeLogger(options, io);
  const prepared = await prepare({ options, io, log });
  const report = buildReport({
    mode: "plan",
    startedAt: prepared.startedAt,
    finishedAt: Date.now(),
    source: prepared.view.source,
    evaluated: evaluatedCounts(prepared),
    actions: prepared.plan.actions,
    skipped: prepared.plan.skipped,
    abortReason: prepared.plan.abortReason,
    images: prepared.images && imageEntries(prepared.images.findings),
    notifications: prepared.images && plannedNotifications(prepared.images.policies, prepared.images.findings),
    notices: noticesOf(prepared.collected.notices, "planned"),
  });
  printReport(report, options, io);
  // A plan predicts its sweep: the guard's verdict is the same exit code.
  if (prepared.plan.abortReason) return EXIT.blastRadius;
  const unpullable = prepared.images?.findings.some(cannotBePulled) ?? false;
  if (flags.failOnFindings && (prepared.plan.actions.length > 0 || unpullable)) return EXIT.findings;
  return EXIT.ok;
}

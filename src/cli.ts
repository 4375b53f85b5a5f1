// Builds the program and maps error types to exit codes; nothing else.
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { ClusterAccessError, BlastRadiusError, ConfigError, EXIT, UsageError, type ExitCode } from "./errors.ts";
import { createLogger, LOG_LEVELS } from "./core/log.ts";
import type { Io } from "./commands/context.ts";
import { registerPlan } from "./commands/plan.ts";
import { registerSweep } from "./commands/sweep.ts";
import { registerValidate } from "./commands/validate.ts";
import { registerExplain } from "./commands/explain.ts";
import { registerRestore } from "./commands/restore.ts";
import { registerManifests } from "./commands/manifests.ts";
import { registerImages } from "./commands/images.ts";
import { complete, registerCompletion } from "./commands/completion.ts";
import { registerInit } from "./commands/init.ts";
import { addExamples } from "./commands/help-examples.ts";

import { VERSION } from "./version.ts";
import { DEFAULT_BURST, DEFAULT_CHUNK_SIZE, DEFAULT_QPS } from "./cluster/api-policy.ts";
import { DEFAULT_RETRY } from "./core/retry.ts";
import { OUTPUT_FORMATS } from "./report/formats.ts";

// As kubectl: one file, never a list (KUBECONFIG is for merging several).
function oneKubeconfig(value: string, previous: string | undefined): string {
  if (previous !== undefined) throw new InvalidArgumentError("given more than once; it takes one file (list several in KUBECONFIG to merge them)");
  return value;
}

function buildProgram(io: Io, run: (code: Promise<ExitCode>) => void): Command {
  const program = new Command(io.programName ?? "kube-sweeper")
    .description("Sweeps a Kubernetes cluster once and exits: plan, then act on pod, namespace, sidecar and image policies.")
    .version(VERSION, "--version")
    .option("-c, --config <file>", "config file (default ./kube-sweeper.yaml, env KUBE_SWEEPER_CONFIG)")
    .option("--kubeconfig <file>", "the one kubeconfig file to use (default: KUBECONFIG's files merged as kubectl does, ~/.kube/config, in-cluster)", oneKubeconfig)
    .option("--context <name>", "kubeconfig context (default: current-context)")
    .option("--cluster <name>", "kubeconfig cluster, replacing the context's")
    .option("--user <name>", "kubeconfig user, replacing the context's")
    .option("-n, --namespace <ns>", "narrow the scope to this namespace (repeatable)", (value: string, prev: string[] = []) => [...prev, value])
    .addOption(new Option("-o, --output <format>", "report format (default: table on a terminal, json otherwise)").choices(OUTPUT_FORMATS))
    .option("--snapshot <file>", "read the cluster from `kubectl get pods,nodes,namespaces -A -o json` output (plan/explain)")
    .addOption(new Option("--log-format <format>", "log format on stderr").choices(["text", "json"]).default("text"))
    .addOption(new Option("--log-level <level>", "log level").choices(LOG_LEVELS).default("info"))
    .option("--request-timeout <duration>", "timeout of each API request", "30s")
    .option("--qps <n>", "API requests per second at most, as client-go's QPS (0: no limit)", String(DEFAULT_QPS))
    .option("--burst <n>", "API requests allowed in a burst above --qps", String(DEFAULT_BURST))
    .option("--chunk-size <n>", "pods per page of a pod list, as kubectl's --chunk-size (pages are streamed: a larger page costs no memory, only fewer round trips)", String(DEFAULT_CHUNK_SIZE))
    .option("--retries <n>", "retries of a failed request that is safe to repeat (429, 5xx, no answer), with backoff", String(DEFAULT_RETRY.attempts - 1))
    .option("--insecure-skip-tls-verify", "do not verify the API server's certificate (prints a warning; needed for a kubeconfig that asks for it)")
    .addOption(new Option("--now <time>", "pin the run's clock (RFC 3339), for reproducible plans").hideHelp())
    .showHelpAfterError(false)
    .exitOverride()
    // writeErr only ever gets the help commander shows for a missing command: reportError says it in one line.
    .configureOutput({ writeOut: io.stdout, writeErr: () => {}, outputError: () => {} })
    // Each command's --help lists the global flags it takes too (commands inherit this setting).
    .configureHelp({ showGlobalOptions: true });
  registerPlan(program, io, run);
  registerSweep(program, io, run);
  registerValidate(program, io, run);
  registerExplain(program, io, run);
  registerRestore(program, io, run);
  registerManifests(program, io, run);
  registerImages(program, io, run);
  registerCompletion(program, io, run);
  registerInit(program, io, run);
  addExamples(program, io.programName ?? "kube-sweeper");
  return program;
}

/**
 * With --log-format json every stderr line is JSON, fatal errors included. Read from argv, as
 * parsing may itself be what fails; progress lines (for a person at a terminal) are left out.
 */
function forJsonLogs(argv: string[], io: Io): Io {
  const at = argv.lastIndexOf("--log-format");
  if (!argv.includes("--log-format=json") && !(at >= 0 && argv[at + 1] === "json")) return io;
  return { ...io, stderrIsTTY: false, fatal: (line, fields) => createLogger("json", "debug", io.stderr).error(line, fields) };
}

export async function main(argv: string[], plainIo: Io): Promise<ExitCode> {
  const io = forJsonLogs(argv, plainIo);
  // What the completion scripts call on TAB: never an error, never a cluster.
  if (argv[0] === "__complete") {
    const candidates = complete(buildProgram(io, () => {}), Number(argv[1]), argv.slice(2), io.env);
    io.stdout(candidates.map((c) => `${c}\n`).join(""));
    return EXIT.ok;
  }
  if (argv.length === 0) {
    fatalLine(io, "a command is required (plan, sweep, explain, validate, images, restore, manifests, init, completion); see --help");
    return EXIT.usage;
  }
  let pending: Promise<ExitCode> | undefined;
  const program = buildProgram(io, (code) => {
    pending = code;
    // Handled below, after parsing returns; never an unhandled rejection meanwhile.
    code.catch(() => undefined);
  });
  // Commander prints the whole help on stderr for `help <unknown>`, and exits 0.
  if (argv[0] === "help" && argv[1] !== undefined && !argv[1].startsWith("-") && !program.commands.some((c) => c.name() === argv[1])) {
    fatalLine(io, `unknown command ${JSON.stringify(argv[1])} (plan, sweep, explain, validate, images, restore, manifests, init, completion); see --help`);
    return EXIT.usage;
  }
  try {
    await program.parseAsync(argv, { from: "user" });
    if (!pending) {
      fatalLine(io, "a command is required (plan, sweep, explain, validate, images, restore, manifests, init, completion); see --help");
      return EXIT.usage;
    }
    return await pending;
  } catch (error) {
    return reportError(error, io);
  }
}

function fatalLine(io: Io, line: string, fields?: Record<string, unknown>): void {
  if (io.fatal) io.fatal(line, fields);
  else io.stderr(`${io.programName ?? "kube-sweeper"}: ${line}\n`);
}

const EXIT_MEANINGS: Record<ExitCode, string> = {
  0: "completed",
  1: "at least one action failed",
  2: "usage, config or cluster-access error: nothing was done",
  3: "the blast-radius guard refused the plan: nothing was done",
  4: "interrupted",
  5: "findings",
};

/** One phrase per exit code, for the line that replaces a report nobody could read. */
export function exitMeaning(code: ExitCode): string {
  return EXIT_MEANINGS[code];
}

function reportError(error: unknown, io: Io): ExitCode {
  const say = (line: string) => fatalLine(io, line);
  if (error instanceof CommanderError) {
    if (error.code === "commander.help" && error.exitCode !== 0) {
      say("a command is required (plan, sweep, explain, validate, images, restore, manifests, init, completion); see --help");
      return EXIT.usage;
    }
    if (error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.code === "commander.help") return EXIT.ok;
    say(error.message.replace(/^error: /, ""));
    return EXIT.usage;
  }
  if (error instanceof ConfigError) {
    for (const problem of error.problems) say(problem);
    return EXIT.usage;
  }
  if (error instanceof UsageError || error instanceof ClusterAccessError) {
    say(error.message);
    return EXIT.usage;
  }
  if (error instanceof BlastRadiusError) {
    say(error.message);
    return EXIT.blastRadius;
  }
  // Unknown errors are bugs: say so in one line, keep the stack for --log-level debug.
  const stack = process.env.KUBE_SWEEPER_DEBUG ? (error as Error)?.stack ?? "" : undefined;
  if (io.fatal) io.fatal(`internal error: ${error instanceof Error ? error.message : String(error)}`, stack === undefined ? undefined : { stack });
  else {
    say(`internal error: ${error instanceof Error ? error.message : String(error)}`);
    if (stack !== undefined) io.stderr(`${stack}\n`);
  }
  return EXIT.usage;
}

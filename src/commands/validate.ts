import type { Command } from "commander";
import { stringify } from "yaml";
import { describeConfig } from "../config/describe.ts";
import { EXIT, type ExitCode } from "../errors.ts";
import { makeLogger, outputFormat, readConfig, type GlobalOptions, type Io } from "./context.ts";

export function registerValidate(program: Command, io: Io, run: (code: Promise<ExitCode>) => void): void {
  program
    .command("validate")
    .description("check the config (or the seed-compatible env vars) without touching a cluster")
    .action((_flags: unknown, command: Command) => run(validateCommand(command.optsWithGlobals<GlobalOptions>(), io)));
}

async function validateCommand(options: GlobalOptions, io: Io): Promise<ExitCode> {
  const log = makeLogger(options, io);
  const loaded = readConfig(options, io, log);
  const described = describeConfig(loaded.config);
  if (outputFormat(options, io) === "json") {
    io.stdout(`${JSON.stringify({ valid: true, source: loaded.source, dryRun: loaded.dryRun, config: described }, null, 2)}\n`);
    return EXIT.ok;
  }
  const names = loaded.config.policies.map((p) => `${p.name} (${p.target}, ${p.target === "pods" ? p.action : p.action.kind})`).join(", ");
  io.stdout(`${loaded.source}: valid; ${loaded.config.policies.length} ${loaded.config.policies.length === 1 ? "policy" : "policies"}: ${names}\n`);
  if (loaded.dryRun) io.stdout("DEBUG=true: sweeps run as dry runs\n");
  // The seed mapping is implicit, so show what it built; a file's content the user already has.
  if (loaded.source === "seed environment") io.stdout(`---\n${stringify(described)}`);
  return EXIT.ok;
}

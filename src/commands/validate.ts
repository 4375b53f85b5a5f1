import type { Command } from "commander";
import { stringify } from "yaml";
import { describeConfig } from "../config/describe.ts";
import { EXIT, type ExitCode } from "../errors.ts";
import { makeLogger, readConfig, type GlobalOptions, type Io } from "./context.ts";
import { printResult } from "../report/print.ts";

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
  const text = () => {
    const names = loaded.config.policies.map((p) => `${p.name} (${p.target}, ${p.target === "pods" ? p.action : p.action.kind})`).join(", ");
    let out = `${loaded.source}: valid; ${loaded.config.policies.length} ${loaded.config.policies.length === 1 ? "policy" : "policies"}: ${names}\n`;
    if (loaded.dryRun) out += "DEBUG=true: sweeps run as dry runs\n";
    // The seed mapping is implicit, so show what it built; a file's content the user already has.
    if (loaded.source === "seed environment") out += `---\n${stringify(described)}`;
    return out;
  };
  const value = { valid: true, source: loaded.source, dryRun: loaded.dryRun, config: described };
  printResult({ value, text, names: () => loaded.config.policies.map((p) => `policy/${p.name}`) }, options, io);
  return EXIT.ok;
}

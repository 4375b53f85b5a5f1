import type { Command } from "commander";
import { stringify } from "yaml";
import { describeConfig } from "../config/describe.ts";
import { EXIT, type ExitCode } from "../errors.ts";
import { connect, makeLogger, readConfig, type GlobalOptions, type Io } from "./context.ts";
import { printResult } from "../report/print.ts";
import type { Config } from "../config/schema.ts";
import type { Logger } from "../core/log.ts";
import { ConfigError } from "../errors.ts";
import { targetModules } from "../policies/targets.ts";

export function registerValidate(program: Command, io: Io, run: (code: Promise<ExitCode>) => void): void {
  program
    .command("validate")
    .description("check the config (or the seed-compatible env vars) without touching a cluster; --check-cluster also checks resource kinds against one")
    .option("--check-cluster", "also resolve resource policies' kinds through the API server's discovery (the --kubeconfig/--context cluster); a kind it does not serve is an error")
    .action((_flags: unknown, command: Command) => run(validateCommand(command.optsWithGlobals<GlobalOptions & { checkCluster?: boolean }>(), io)));
}

async function validateCommand(options: GlobalOptions & { checkCluster?: boolean }, io: Io): Promise<ExitCode> {
  const log = makeLogger(options, io);
  const loaded = readConfig(options, io, log);
  if (options.checkCluster) await checkKindsAgainstCluster(loaded.config, options, io, log);
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

/** Opt-in: what only a cluster can check (the kinds of resource policies, resolved as a sweep would); any problem is a config error (exit 2). */
async function checkKindsAgainstCluster(config: Config, options: GlobalOptions, io: Io, log: Logger): Promise<void> {
  const checks = targetModules().flatMap((module) => {
    const policies = module.policiesOf(config);
    return module.checkCluster && policies.length ? [{ check: module.checkCluster, policies }] : [];
  });
  if (checks.length === 0) return;
  const cluster = await connect(options, io, log);
  try {
    const problems: string[] = [];
    for (const { check, policies } of checks) problems.push(...(await check(policies, cluster.client, log)));
    const indexOf = (name: string) => config.policies.findIndex((p) => p.name === name);
    // "policy x: match.kinds: ..." becomes the config path of that policy.
    if (problems.length > 0) throw new ConfigError(problems.map((p) => p.replace(/^policy ([a-z0-9-]+): /, (_m, name: string) => `policies[${indexOf(name)}].`)));
  } finally {
    cluster.client.close();
  }
}

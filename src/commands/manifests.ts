import { readFileSync } from "node:fs";
import { Option, type Command } from "commander";
import { stringify } from "yaml";
import { describeConfig } from "../config/describe.ts";
import { EXIT, UsageError, type ExitCode } from "../errors.ts";
import { renderManifests } from "../deploy/manifests.ts";
import { durationFlag, makeLogger, readConfig, runClock, type GlobalOptions, type Io } from "./context.ts";
import { VERSION } from "../version.ts";

interface ManifestFlags {
  schedule: string;
  namespaceScoped?: boolean;
  image?: string;
  installNamespace?: string;
  cronjobApi: "batch/v1" | "batch/v1beta1";
  deadline: string;
}

export function registerManifests(program: Command, io: Io, run: (code: Promise<ExitCode>) => void): void {
  program
    .command("manifests")
    .description("print ServiceAccount, least-privilege RBAC computed from the config, ConfigMap and CronJob")
    .option("--schedule <cron>", "the CronJob's schedule", "*/10 * * * *")
    .option("--namespace-scoped", "a Role in one namespace (give it with -n) instead of a ClusterRole")
    .option("--image <image>", "the container image", `kube-sweeper:${VERSION}`)
    .option("--install-namespace <ns>", "where the ServiceAccount, ConfigMap and CronJob live (default kube-sweeper; with --namespace-scoped, the -n namespace)")
    .addOption(new Option("--cronjob-api <version>", "batch/v1 (Kubernetes >= 1.21) or batch/v1beta1").choices(["batch/v1", "batch/v1beta1"]).default("batch/v1"))
    .option("--deadline <duration>", "each run stops starting actions after this long", "10m")
    .action((flags: ManifestFlags, command: Command) => run(manifestsCommand(command.optsWithGlobals<GlobalOptions>(), flags, io)));
}

async function manifestsCommand(options: GlobalOptions, flags: ManifestFlags, io: Io): Promise<ExitCode> {
  const log = makeLogger(options, io);
  const loaded = readConfig(options, io, log);
  const deadline = durationFlag("--deadline", flags.deadline)!;
  let namespace = flags.installNamespace ?? "kube-sweeper";
  if (flags.namespaceScoped) {
    if (options.namespace?.length !== 1) throw new UsageError("--namespace-scoped needs exactly one -n NAMESPACE (the namespace to sweep)");
    namespace = flags.installNamespace ?? options.namespace[0]!;
    if (namespace !== options.namespace[0]) throw new UsageError("--namespace-scoped: the install namespace must be the swept namespace");
  }
  // The user's own file goes into the ConfigMap as written; the seed environment as the policy it builds.
  const configText = loaded.source === "seed environment" ? stringify(describeConfig(loaded.config)) : readFileSync(loaded.source, "utf8");
  io.stdout(
    renderManifests(loaded.config, {
      namespace,
      namespaceScoped: !!flags.namespaceScoped,
      schedule: flags.schedule,
      image: flags.image ?? `kube-sweeper:${VERSION}`,
      cronJobApi: flags.cronjobApi,
      configText,
      deadlineSeconds: Math.ceil(deadline / 1000),
      now: runClock(options),
    }),
  );
  return EXIT.ok;
}

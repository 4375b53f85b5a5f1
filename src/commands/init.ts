// `init`: a commented starter config for a newcomer, written where the other commands read it.
import { existsSync, realpathSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import type { Command } from "commander";
import { EXIT, UsageError, type ExitCode } from "../errors.ts";
import { makeLogger, type GlobalOptions, type Io } from "./context.ts";

export function registerInit(program: Command, io: Io, run: (code: Promise<ExitCode>) => void): void {
  program
    .command("init")
    .description("write a commented starter config (./kube-sweeper.yaml, or -c FILE); never overwrites")
    .option("--stdout", "print it instead of writing a file")
    .action((flags: { stdout?: boolean }, command: Command) => run(initCommand(command.optsWithGlobals<GlobalOptions>(), flags, io)));
}

/** The package's schema file, next to the running bin/ or dist/ (absent in the container image). */
function schemaFile(): string | undefined {
  try {
    const file = join(dirname(realpathSync(process.argv[1] ?? "")), "..", "schema", "kube-sweeper.schema.json");
    return existsSync(file) ? file : undefined;
  } catch {
    return undefined;
  }
}

async function initCommand(options: GlobalOptions, flags: { stdout?: boolean }, io: Io): Promise<ExitCode> {
  const target = resolve(options.config ?? "kube-sweeper.yaml");
  const schema = schemaFile();
  // Relative when the config sits near the package (a project's node_modules), absolute otherwise.
  const near = schema && relative(dirname(target), schema);
  const path = near && !flags.stdout && !near.startsWith("../../..") ? near : schema;
  const modeline = path ? `# yaml-language-server: $schema=${path}\n` : "";
  const text = modeline + STARTER;
  if (flags.stdout) {
    io.stdout(text);
    return EXIT.ok;
  }
  if (existsSync(target)) throw new UsageError(`${target} exists; init never overwrites a config (use --stdout to see the starter)`);
  try {
    writeFileSync(target, text, { flag: "wx" });
  } catch (error) {
    throw new UsageError(`cannot write ${target}: ${(error as Error).message}`);
  }
  makeLogger(options, io).info(`wrote ${target}; next: kube-sweeper plan${options.config ? ` -c ${options.config}` : ""}   (a plan never writes)`);
  return EXIT.ok;
}

const STARTER = `# kube-sweeper config. Every run: read the cluster, evaluate these policies, plan one action per
# target (protections and limits applied), then act (sweep) or only show it (plan).
# Start with \`kube-sweeper plan\`: it never writes. \`kube-sweeper explain <ns>/<pod>\` says why.
apiVersion: kube-sweeper.io/v1alpha1
kind: SweeperConfig

settings:
  waitBetweenActions: 10s     # pause after each write
  maxActions: 20              # per run, all policies together
  maxActionsPerNamespace: 5
  maxActionsPerOwner: 1       # pods of one ReplicaSet/StatefulSet/Job per run
  # Blast radius: a plan larger than this acts on nothing and exits 3.
  abortIfMoreThan: {count: 50, percent: 50}
  # Namespaces never touched, besides kube-system, kube-public and kube-node-lease:
  # protectedNamespaces: [payments]

policies:
  # Pods stuck crash-looping: deleting one lets its controller start a fresh one.
  - name: crash-looping
    target: pods
    match:
      ownerKinds: [ReplicaSet, StatefulSet]
      # namespaces: [apps]        # narrow to some namespaces
      # selector: "app=worker"    # or by label
    when:
      reasons: [CrashLoopBackOff]
      restarts: {atLeast: 5}
      olderThan: 10m            # never touch a pod younger than this
    action: delete              # or evict (honours PodDisruptionBudgets)

  # Finished Job pods nobody cleaned up.
  - name: old-failed-job-pods
    target: pods
    match:
      ownerKinds: [Job]
    when:
      phases: [Failed]
      olderThan: 1d
    action: delete

  # Preview namespaces: delete them 2h after creation (an annotation kube-sweeper.io/ttl on a
  # namespace overrides the TTL). Uncomment to use.
  # - name: preview-ttl
  #   target: namespaces
  #   match:
  #     name: "^preview-"
  #   when:
  #     ttl: 2h
  #   action: deleteNamespace
`;

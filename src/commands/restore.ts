import type { Command } from "commander";
import { EXIT, UsageError, type ExitCode } from "../errors.ts";
import { parseSelector, matchesSelector, SelectorError } from "../core/selector.ts";
import { isoSeconds } from "../core/clock.ts";
import { createNamespaceWriter, ORIGINAL_REPLICAS_ANNOTATION, type Workload } from "../cluster/namespace-writer.ts";
import { connect, makeLogger, type GlobalOptions, type Io } from "./context.ts";
import { renderMarkdownRows, renderRows, resourceName } from "../report/table.ts";
import { printResult } from "../report/print.ts";
import { accessError } from "../cluster/live.ts";

interface RestoreFlags {
  selector?: string;
  dryRun?: boolean;
}

export function registerRestore(program: Command, io: Io, run: (code: Promise<ExitCode>) => void): void {
  program
    .command("restore")
    .description(`scale back workloads kube-sweeper scaled down, to the count in ${ORIGINAL_REPLICAS_ANNOTATION}`)
    .option("--selector <labels>", "only workloads with these labels")
    .option("--dry-run", "show what would be restored; change nothing")
    .action((flags: RestoreFlags, command: Command) => run(restoreCommand(command.optsWithGlobals<GlobalOptions>(), flags, io)));
}

interface Restored {
  kind: string;
  namespace: string;
  name: string;
  replicas: number | null;
  status: "restored" | "would-restore" | "failed";
  detail: string;
}

async function restoreCommand(options: GlobalOptions, flags: RestoreFlags, io: Io): Promise<ExitCode> {
  const log = makeLogger(options, io);
  let selector;
  try {
    selector = flags.selector === undefined ? undefined : parseSelector(flags.selector);
  } catch (error) {
    if (error instanceof SelectorError) throw new UsageError(`--selector: ${error.message}`);
    throw error;
  }
  if (options.snapshot) throw new UsageError("restore acts on a live cluster; --snapshot is for plan, explain and images");
  const cluster = await connect(options, io, log);
  const writer = await createNamespaceWriter(await cluster.writerConfig(), cluster.client, cluster.api);
  const startedAt = Date.now();
  const scopes = options.namespace?.length ? options.namespace : [undefined];
  const workloads: Workload[] = [];
  try {
    for (const ns of scopes) workloads.push(...(await writer.listWorkloads(ns)));
  } catch (error) {
    throw accessError(error, "list workloads to restore");
  }
  const recorded = workloads.filter((w) => w.annotations[ORIGINAL_REPLICAS_ANNOTATION] !== undefined && (!selector || matchesSelector(selector, w.labels)));
  const results: Restored[] = [];
  for (const w of recorded) {
    const raw = w.annotations[ORIGINAL_REPLICAS_ANNOTATION]!;
    const base = { kind: w.kind, namespace: w.namespace, name: w.name };
    if (!/^\d+$/.test(raw)) {
      results.push({ ...base, replicas: null, status: "failed", detail: `${ORIGINAL_REPLICAS_ANNOTATION}=${JSON.stringify(raw)} is not a replica count; left alone` });
      continue;
    }
    const replicas = Number(raw);
    if (flags.dryRun) {
      results.push({ ...base, replicas, status: "would-restore", detail: `${w.replicas} -> ${replicas}` });
      continue;
    }
    // Scale first, then drop the record: an interrupted restore can simply be run again.
    const scaled = await writer.scaleTo(w, replicas, false);
    if (scaled.status !== "done") {
      results.push({ ...base, replicas, status: "failed", detail: scaled.detail });
      continue;
    }
    const cleared = await writer.setOriginalReplicas(w, null, false);
    results.push({ ...base, replicas, status: cleared.status === "done" ? "restored" : "failed", detail: cleared.status === "done" ? `${w.replicas} -> ${replicas}` : `scaled, but the record stayed: ${cleared.detail}` });
    log.info(`restored ${w.kind} ${w.namespace}/${w.name} to ${replicas} replicas`);
  }
  cluster.client.close();
  const head = ["STATUS", "KIND", "WORKLOAD", "REPLICAS", "DETAIL"];
  const rows = results.map((r) => [flags.dryRun ? `DRY-RUN:${r.status}` : r.status, r.kind, `${r.namespace}/${r.name}`, String(r.replicas ?? "?"), r.detail]);
  const banner = flags.dryRun ? "DRY-RUN: nothing is changed\n" : "";
  printResult(
    {
      value: { apiVersion: "kube-sweeper.io/v1alpha1", kind: "RestoreReport", dryRun: !!flags.dryRun, startedAt: isoSeconds(startedAt), finishedAt: isoSeconds(Date.now()), workloads: results },
      text: () => `${banner}${results.length ? renderRows(head, rows) : "nothing to restore\n"}`,
      names: () => results.map(resourceName),
      markdown: () => `### kube-sweeper restore\n\n${banner}${results.length ? renderMarkdownRows(head, rows) : "Nothing to restore.\n"}`,
    },
    options,
    io,
  );
  return results.some((r) => r.status === "failed") ? EXIT.actionFailed : EXIT.ok;
}

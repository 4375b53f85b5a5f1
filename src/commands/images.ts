// `kube-sweeper images`: which workloads use images their registry no longer has.
import type { Command } from "commander";
import { existsSync } from "node:fs";
import { EXIT, UsageError, type ExitCode } from "../errors.ts";
import { configSchema, type Config, type ImagePolicy } from "../config/schema.ts";
import { DEFAULT_CONFIG_PATH, loadConfig } from "../config/load.ts";
import type { ImageFinding } from "../images/check.ts";
import { cannotBePulled, imageEntries } from "../images/run.ts";
import { buildReport, type SweepReport } from "../report/report.ts";
import { printReport } from "../report/print.ts";
import { publishMetrics } from "../report/metrics.ts";
import { renderImageTable } from "../report/table.ts";
import { checkImagesShowingProgress } from "./prepare.ts";
import { imagePoliciesOf } from "../plan/collect.ts";
import { connect, makeLogger, outputFormat, type GlobalOptions, type Io } from "./context.ts";
import { readVersion } from "../cluster/live.ts";

interface ImagesFlags {
  failOnFindings?: boolean;
  plainHttp?: string[];
  concurrency?: string;
  metricsFile?: string;
  pushgateway?: string;
}

export function registerImages(program: Command, io: Io, run: (code: Promise<ExitCode>) => void): void {
  program
    .command("images")
    .description("check that the images of the workloads in scope can still be pulled from their registries")
    .option("--fail-on-findings", "exit 5 when an image is absent or not an image reference (for CI gates)")
    .option("--plain-http <host>", "speak plain HTTP to this registry host:port (repeatable)", (v: string, prev: string[] = []) => [...prev, v])
    .option("--concurrency <n>", "registry checks at a time (overrides settings.registries.concurrency)")
    .option("--metrics-file <file>", "write k8s_image_availability_exporter_* gauges for node-exporter's textfile collector")
    .option("--pushgateway <url>", "push the gauges to a Prometheus Pushgateway")
    .action((flags: ImagesFlags, command: Command) => run(imagesCommand(command.optsWithGlobals<GlobalOptions>(), flags, io)));
}

/** The config's image policies; without a config file (or without image policies), every workload in scope. */
function imagePolicies(options: GlobalOptions, io: Io): { config: Config; policies: ImagePolicy[] } {
  const fallback = configSchema.parse({ policies: [{ name: "images", target: "images" }] });
  const explicit = options.config ?? io.env.KUBE_SWEEPER_CONFIG;
  const config = explicit || existsSync(DEFAULT_CONFIG_PATH) ? loadConfig({ explicitPath: options.config, env: io.env, fileExists: existsSync }).config : fallback;
  const policies = imagePoliciesOf(config);
  return { config, policies: policies.length ? policies : (fallback.policies as ImagePolicy[]) };
}

export async function imagesCommand(options: GlobalOptions, flags: ImagesFlags, io: Io): Promise<ExitCode> {
  const log = makeLogger(options, io);
  const startedAt = Date.now();
  if (flags.concurrency !== undefined && !/^[1-9]\d{0,3}$/.test(flags.concurrency)) throw new UsageError(`--concurrency: expected a whole number from 1, got ${JSON.stringify(flags.concurrency)}`);
  if (flags.pushgateway && !/^https?:\/\//.test(flags.pushgateway)) throw new UsageError(`--pushgateway: expected an http(s) URL, got ${JSON.stringify(flags.pushgateway)}`);
  const { config, policies } = imagePolicies(options, io);
  const cluster = options.snapshot ? undefined : await connect(options, io, log);
  let source: SweepReport["source"] = { server: `snapshot:${options.snapshot}`, version: "" };
  if (cluster) {
    // The version only labels the report: an answer that is not one leaves it empty.
    source = { server: cluster.client.server, version: await readVersion(cluster.client).catch(() => "") };
  }
  const findings = await checkImagesShowingProgress(io, {
    config,
    policies,
    snapshot: options.snapshot,
    client: cluster?.client,
    onlyNamespaces: options.namespace,
    extraPlainHttp: flags.plainHttp,
    concurrency: flags.concurrency ? Number(flags.concurrency) : undefined,
    log,
  }).finally(() => cluster?.client.close());

  const report = imageReport(findings, startedAt, source);
  const code = flags.failOnFindings && findings.some(cannotBePulled) ? EXIT.findings : EXIT.ok;
  const format = outputFormat(options, io);
  // The image check has no plan: its table is the image table alone.
  if (format === "table" || format === "wide") io.stdout(renderImageTable(report.images ?? [], format === "wide"));
  else printReport(report, options, io);
  for (const problem of await publishMetrics(report, code, { file: flags.metricsFile, pushgateway: flags.pushgateway, job: "kube-sweeper-images", startedAt }, findings)) log.warn(problem);
  return code;
}

function imageReport(findings: ImageFinding[], startedAt: number, source: SweepReport["source"]): SweepReport {
  return buildReport({ mode: "images", startedAt, finishedAt: Date.now(), source, evaluated: { pods: 0, namespaces: 0 }, actions: [], skipped: [], images: imageEntries(findings) });
}

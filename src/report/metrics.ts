// Metrics for a batch job, written for node-exporter's textfile collector (atomically) and/or
// pushed to a Pushgateway with pushAdd. Every value describes the last run, so every metric is a
// gauge: a counter that starts from zero each run would read as a reset to rate()/increase().
// Only a successful real sweep sets the time of the last success: a failed run or a dry run
// never erases it (pushAdd leaves the gauge it does not send; the textfile carries the previous
// value over).
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { SweepReport } from "./report.ts";
import type { ImageFinding } from "../images/check.ts";
import { VERSION } from "../version.ts";
import { targetModules } from "../policies/targets.ts";

export const LAST_SUCCESS = "kube_sweeper_last_success_timestamp_seconds";

export interface MetricsTargets {
  file?: string | undefined;
  pushgateway?: string | undefined;
  job?: string;
  /** When the run started (ms): the report's times are whole seconds, the duration is not. */
  startedAt?: number;
}

// The image-availability exporter's gauges, same names and labels, so its alerts keep working.
const IMAGE_GAUGES = ["available", "absent", "bad_image_format", "registry_unavailable", "authentication_failure", "authorization_failure", "unknown_error"] as const;

function imageGauge(finding: ImageFinding): (typeof IMAGE_GAUGES)[number] {
  switch (finding.status) {
    case "available":
      return "available";
    case "absent":
      return "absent";
    case "bad-format":
      return "bad_image_format";
    case "auth-failure":
      return "authentication_failure";
    case "authz-failure":
      return "authorization_failure";
    default:
      return finding.registryUnavailable ? "registry_unavailable" : "unknown_error";
  }
}

export async function publishMetrics(report: SweepReport, exitCode: number, targets: MetricsTargets, images?: ImageFinding[]): Promise<string[]> {
  if (!targets.file && !targets.pushgateway) return [];
  // prom-client is CommonJS: bundled, its exports arrive on `default`.
  const loaded = await import("prom-client");
  const { Registry, Gauge, Pushgateway } = (loaded as unknown as { default?: typeof loaded }).default ?? loaded;
  const registry = new Registry();
  new Gauge({ name: "kube_sweeper_build_info", help: "The running kube-sweeper's version and Node.js version; always 1.", labelNames: ["version", "node_version"], registers: [registry] }).set({ version: VERSION, node_version: process.versions.node }, 1);
  const actions = new Gauge({ name: "kube_sweeper_last_run_actions", help: "Actions of the last run by policy, action and final status.", labelNames: ["policy", "action", "status"], registers: [registry] });
  for (const a of report.actions) actions.inc({ policy: a.policy, action: a.action, status: a.status });
  const evaluated = new Gauge({ name: "kube_sweeper_evaluated_objects", help: "Objects evaluated in the last run.", labelNames: ["kind"], registers: [registry] });
  evaluated.set({ kind: "pods" }, report.summary.evaluated.pods);
  evaluated.set({ kind: "namespaces" }, report.summary.evaluated.namespaces);
  for (const m of targetModules()) {
    const count = report.summary.evaluated[m.evaluated.key];
    if (count !== undefined) evaluated.set({ kind: m.evaluated.key }, count);
  }
  new Gauge({ name: "kube_sweeper_skipped_targets", help: "Targets held back by a protection or a limit in the last run, or found no longer qualifying when read again before the write.", registers: [registry] }).set(report.summary.skipped);
  const seconds = targets.startedAt !== undefined ? (Date.now() - targets.startedAt) / 1000 : (Date.parse(report.finishedAt) - Date.parse(report.startedAt)) / 1000;
  new Gauge({ name: "kube_sweeper_run_duration_seconds", help: "Duration of the last run.", registers: [registry] }).set(seconds);
  new Gauge({ name: "kube_sweeper_last_run_timestamp_seconds", help: "When the last run finished.", registers: [registry] }).set(Date.parse(report.finishedAt) / 1000);
  new Gauge({ name: "kube_sweeper_last_exit_code", help: "Exit code of the last run.", registers: [registry] }).set(exitCode);
  if (images) {
    const gauges = Object.fromEntries(
      IMAGE_GAUGES.map((g) => [g, new Gauge({ name: `k8s_image_availability_exporter_${g}`, help: `Container image check result: ${g.replaceAll("_", " ")}.`, labelNames: ["namespace", "container", "image", "kind", "name"], registers: [registry] })]),
    );
    for (const finding of images) {
      const which = imageGauge(finding);
      for (const w of finding.workloads) {
        const labels = { namespace: w.namespace, container: w.container, image: w.image, kind: w.kind.toLowerCase(), name: w.name };
        for (const g of IMAGE_GAUGES) gauges[g]!.set(labels, g === which ? 1 : 0);
      }
    }
  }
  // A dry run changed nothing: it is not the success an alert on staleness waits for.
  const succeeded = exitCode === 0 && report.mode !== "dry-run";
  const lastSuccess = new Gauge({ name: LAST_SUCCESS, help: "When a run last completed with exit code 0.", registers: [registry] });
  const problems: string[] = [];

  if (targets.file) {
    const previous = succeeded ? undefined : previousValue(targets.file, LAST_SUCCESS);
    if (succeeded) lastSuccess.set(Date.parse(report.finishedAt) / 1000);
    else if (previous !== undefined) lastSuccess.set(previous);
    else registry.removeSingleMetric(LAST_SUCCESS);
    try {
      // Write beside the target and rename: the collector never reads half a file.
      const tmp = join(dirname(targets.file), `.${process.pid}.kube-sweeper.prom.tmp`);
      writeFileSync(tmp, await registry.metrics());
      renameSync(tmp, targets.file);
    } catch (error) {
      problems.push(`metrics file ${targets.file}: ${(error as Error).message}`);
    }
  }
  if (targets.pushgateway) {
    if (succeeded) lastSuccess.set(Date.parse(report.finishedAt) / 1000);
    else registry.removeSingleMetric(LAST_SUCCESS);
    try {
      await new Pushgateway(targets.pushgateway, { timeout: 10_000 }, registry).pushAdd({ jobName: targets.job ?? "kube-sweeper" });
    } catch (error) {
      problems.push(`pushgateway ${targets.pushgateway}: ${(error as Error).message}`);
    }
  }
  return problems;
}

function previousValue(file: string, metric: string): number | undefined {
  try {
    const line = readFileSync(file, "utf8").split("\n").find((l) => l.startsWith(`${metric} `));
    const value = line ? Number(line.split(" ")[1]) : Number.NaN;
    return Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

// `kube-sweeper images`: which workloads use images their registry no longer has.
import type { Command } from "commander";
import { existsSync } from "node:fs";
import { EXIT, UsageError, type ExitCode } from "../errors.ts";
import { configSchema, IMAGE_WORKLOAD_KINDS, type Config, type ImagePolicy } from "../config/schema.ts";
import { DEFAULT_CONFIG_PATH, loadConfig } from "../config/load.ts";
import { snapshotObjects } from "../cluster/snapshot.ts";
import { namespaceInfo } from "../cluster/view.ts";
import { optionalList, PAGE_LIMIT, accessError } from "../cluster/live.ts";
import type { Namespace } from "../core/k8s.ts";
import type { NamespaceInfo } from "../policies/verdict.ts";
import { checkImages, type ImageFinding } from "../images/check.ts";
import { pullSecretResolver } from "../images/pull-secrets.ts";
import { readWorkloads, toWorkload, type Workload, type WorkloadKind } from "../images/workloads.ts";
import { registryClient } from "../registry/client.ts";
import { buildReport, type SweepReport } from "../report/report.ts";
import { printReport } from "../report/print.ts";
import { publishMetrics } from "../report/metrics.ts";
import { renderRows } from "../report/table.ts";
import { connect, makeLogger, outputFormat, type GlobalOptions, type Io } from "./context.ts";

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
  const policies = config.policies.filter((p): p is ImagePolicy => p.target === "images");
  return { config, policies: policies.length ? policies : (fallback.policies as ImagePolicy[]) };
}

export async function imagesCommand(options: GlobalOptions, flags: ImagesFlags, io: Io): Promise<ExitCode> {
  const log = makeLogger(options, io);
  const startedAt = Date.now();
  if (flags.concurrency !== undefined && !/^[1-9]\d{0,3}$/.test(flags.concurrency)) throw new UsageError(`--concurrency: expected a whole number from 1, got ${JSON.stringify(flags.concurrency)}`);
  if (flags.pushgateway && !/^https?:\/\//.test(flags.pushgateway)) throw new UsageError(`--pushgateway: expected an http(s) URL, got ${JSON.stringify(flags.pushgateway)}`);
  const { config, policies } = imagePolicies(options, io);
  const kinds = [...new Set(policies.flatMap((p) => p.match.kinds ?? [...IMAGE_WORKLOAD_KINDS]))] as WorkloadKind[];
  const scoped = policies.every((p) => p.match.namespaces) ? [...new Set(policies.flatMap((p) => p.match.namespaces!))] : undefined;
  const namespacesFlag = options.namespace?.length ? options.namespace : undefined;
  const readIn = namespacesFlag && scoped ? namespacesFlag.filter((n) => scoped.includes(n)) : (namespacesFlag ?? scoped);
  const needNamespaces = policies.some((p) => p.match.namespaceSelector);

  let workloads: Workload[];
  let namespaces: Map<string, NamespaceInfo> | undefined;
  let source: SweepReport["source"];
  let cluster: Awaited<ReturnType<typeof connect>> | undefined;
  if (options.snapshot) {
    const objects = snapshotObjects(options.snapshot);
    workloads = objects.flatMap((o) => {
      const kind = o.kind as WorkloadKind;
      if (!IMAGE_WORKLOAD_KINDS.includes(kind)) return [];
      const w = toWorkload(kind, o as never);
      return w && (!readIn || readIn.includes(w.namespace)) && kinds.includes(kind) ? [w] : [];
    });
    namespaces = new Map(objects.filter((o) => o.kind === "Namespace").map((o) => namespaceInfo(o as Namespace)).map((n) => [n.name, n]));
    source = { server: `snapshot:${options.snapshot}`, version: "" };
  } else {
    cluster = await connect(options, io, log);
    const client = cluster.client;
    try {
      workloads = await readWorkloads(client, kinds, readIn);
      if (needNamespaces) namespaces = await optionalList<Namespace, NamespaceInfo>(client, "/api/v1/namespaces", true, log, PAGE_LIMIT, (n) => [n.metadata?.name ?? "", namespaceInfo(n)]);
      const version = await client.getJson<{ gitVersion?: string }>("/version").catch(() => ({ gitVersion: "" }));
      source = { server: client.server, version: version.gitVersion ?? "" };
    } catch (error) {
      throw accessError(error, "read workloads");
    }
  }

  const settings = config.settings.registries;
  const registry = registryClient({
    plainHttp: new Set([...settings.plainHttp, ...(flags.plainHttp ?? [])]),
    skipTLSVerify: new Set(settings.skipTLSVerify),
    mirrors: new Map(Object.entries(settings.mirrors)),
    timeoutMs: settings.timeout,
  });
  const progress = io.stderrIsTTY ? (n: number, total: number) => io.stderr(`\rchecked ${n} of ${total} images`) : undefined;
  const findings = await checkImages({
    policies,
    workloads,
    namespaces,
    registry,
    credentialFor: config.settings.registryAuth && cluster ? pullSecretResolver(cluster.client, log) : undefined,
    concurrency: flags.concurrency ? Number(flags.concurrency) : settings.concurrency,
    onProgress: progress,
  });
  if (progress) io.stderr("\r\x1b[K");
  cluster?.client.close();

  const report = imageReport(findings, startedAt, source);
  const failing = findings.filter((f) => f.status === "absent" || f.status === "bad-format");
  const code = flags.failOnFindings && failing.length > 0 ? EXIT.findings : EXIT.ok;
  if (findings.some((f) => f.status === "auth-failure" || f.status === "authz-failure")) {
    log.warn("some registries refused access: those images are reported as auth failures, never as absent (nodes may hold credentials kube-sweeper cannot see)");
  }
  if (outputFormat(options, io) === "table") io.stdout(imageTable(findings));
  else printReport(report, options, io);
  for (const problem of await publishMetrics(report, code, { file: flags.metricsFile, pushgateway: flags.pushgateway, job: "kube-sweeper-images" }, findings)) log.warn(problem);
  return code;
}

function imageReport(findings: ImageFinding[], startedAt: number, source: SweepReport["source"]): SweepReport {
  const report = buildReport({ mode: "images", startedAt, finishedAt: Date.now(), source, evaluated: { pods: 0, namespaces: 0 }, actions: [], skipped: [] });
  report.images = findings.map((f) => ({ image: f.image, status: f.status, detail: f.detail, workloads: f.workloads.map(({ kind, namespace, name, container }) => ({ kind, namespace, name, container })) }));
  return report;
}

function imageTable(findings: ImageFinding[]): string {
  if (findings.length === 0) return "no images in scope\n";
  const rows = findings.map((f) => [f.image, f.status, f.workloads.map((w) => `${w.kind.toLowerCase()}/${w.namespace}/${w.name} (${w.container})`).join("\n"), f.detail]);
  const counts = new Map<string, number>();
  for (const f of findings) counts.set(f.status, (counts.get(f.status) ?? 0) + 1);
  return `${renderRows(["IMAGE", "STATUS", "USED BY", "DETAIL"], rows)}\n${findings.length} images: ${[...counts].map(([s, n]) => `${n} ${s}`).join(", ")}\n`;
}

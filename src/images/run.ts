// One image check over the workloads in scope, shared by the `images` command and by plan/sweep
// when the config has image policies: read workloads (cluster or snapshot), check, report.
import { IMAGE_WORKLOAD_KINDS, type Config, type ImagePolicy } from "../config/schema.ts";
import { snapshotObjects } from "../cluster/snapshot.ts";
import { namespaceInfo } from "../cluster/view.ts";
import { optionalList, PAGE_LIMIT, accessError } from "../cluster/live.ts";
import type { JsonClient } from "../cluster/http.ts";
import type { Namespace } from "../core/k8s.ts";
import type { Logger } from "../core/log.ts";
import type { NamespaceInfo } from "../policies/verdict.ts";
import { registryClient } from "../registry/client.ts";
import type { ImageEntry } from "../report/report.ts";
import { checkImages, type ImageFinding } from "./check.ts";
import { pullSecretResolver } from "./pull-secrets.ts";
import { readWorkloads, toWorkload, type Workload, type WorkloadKind } from "./workloads.ts";

export interface ImageRunOptions {
  config: Config;
  policies: ImagePolicy[];
  /** Where workloads come from: a snapshot file, else the live cluster. */
  snapshot?: string;
  client?: JsonClient;
  /** `-n`: narrows every policy's scope. */
  onlyNamespaces?: string[];
  extraPlainHttp?: string[];
  concurrency?: number;
  log: Logger;
  onProgress?: (checked: number, total: number) => void;
  /** The run's cancellation (sweep): ends registry requests and their retry waits. */
  signal?: AbortSignal | undefined;
}

/** What `--fail-on-findings` gates on: the image is certainly not pullable (auth failures are not certain). */
export function cannotBePulled(finding: ImageFinding): boolean {
  return finding.status === "absent" || finding.status === "bad-format";
}

export async function runImageChecks(options: ImageRunOptions): Promise<ImageFinding[]> {
  const { policies, config } = options;
  const kinds = [...new Set(policies.flatMap((p) => p.match.kinds ?? [...IMAGE_WORKLOAD_KINDS]))] as WorkloadKind[];
  const scoped = policies.every((p) => p.match.namespaces) ? [...new Set(policies.flatMap((p) => p.match.namespaces!))] : undefined;
  const only = options.onlyNamespaces?.length ? options.onlyNamespaces : undefined;
  const readIn = only && scoped ? only.filter((n) => scoped.includes(n)) : (only ?? scoped);
  const needNamespaces = policies.some((p) => p.match.namespaceSelector);

  let workloads: Workload[];
  let namespaces: Map<string, NamespaceInfo> | undefined;
  if (options.snapshot) {
    // Streamed: only the workloads asked for and the namespaces are kept.
    const objects: { kind?: unknown }[] = [];
    for await (const batch of snapshotObjects(options.snapshot)) objects.push(...batch.filter((o) => o.kind === "Namespace" || kinds.includes(o.kind as WorkloadKind)));
    workloads = objects.flatMap((o) => {
      const kind = o.kind as WorkloadKind;
      if (!kinds.includes(kind)) return [];
      const w = toWorkload(kind, o as never);
      return w && (!readIn || readIn.includes(w.namespace)) ? [w] : [];
    });
    namespaces = new Map(objects.filter((o) => o.kind === "Namespace").map((o) => namespaceInfo(o as Namespace)).map((n) => [n.name, n]));
  } else {
    const client = options.client!;
    try {
      workloads = await readWorkloads(client, kinds, readIn);
      if (needNamespaces) namespaces = await optionalList<Namespace, NamespaceInfo>(client, "/api/v1/namespaces", true, options.log, PAGE_LIMIT, (n) => [n.metadata?.name ?? "", namespaceInfo(n)]);
    } catch (error) {
      throw accessError(error, "read workloads");
    }
  }

  const settings = config.settings.registries;
  const registry = registryClient({
    plainHttp: new Set([...settings.plainHttp, ...(options.extraPlainHttp ?? [])]),
    skipTLSVerify: new Set(settings.skipTLSVerify),
    mirrors: new Map(Object.entries(settings.mirrors)),
    timeoutMs: settings.timeout,
    signal: options.signal,
  });
  const findings = await checkImages({
    policies,
    workloads,
    namespaces,
    registry,
    credentialFor: config.settings.registryAuth && options.client ? pullSecretResolver(options.client, options.log) : undefined,
    concurrency: options.concurrency ?? settings.concurrency,
    onProgress: options.onProgress,
  });
  if (findings.some((f) => f.status === "auth-failure" || f.status === "authz-failure")) {
    options.log.warn("some registries refused access: those images are reported as auth failures, never as absent (nodes may hold credentials kube-sweeper cannot see)");
  }
  return findings;
}

/** The report's `images` section. */
export function imageEntries(findings: ImageFinding[]): ImageEntry[] {
  return findings.map((f) => ({ image: f.image, status: f.status, detail: f.detail, workloads: f.workloads.map(({ kind, namespace, name, container }) => ({ kind, namespace, name, container })) }));
}

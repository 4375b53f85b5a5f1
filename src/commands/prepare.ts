// read -> evaluate -> plan, shared by plan, sweep and explain.
import type { Logger } from "../core/log.ts";
import type { LoadedConfig } from "../config/load.ts";
import type { Config, ImagePolicy } from "../config/schema.ts";
import type { ImageFinding } from "../images/check.ts";
import { runImageChecks, type ImageRunOptions } from "../images/run.ts";
import type { ClusterView } from "../cluster/view.ts";
import { collectCandidates, imagePoliciesOf, type Collected } from "../plan/collect.ts";
import type { TargetFind } from "../policies/target.ts";
import { buildPlan } from "../plan/plan.ts";
import type { Plan } from "../plan/types.ts";
import { policiesFromManagers, type ManagerPolicies } from "../config/namespace-managers.ts";
import { connect, openView, readConfig, readScope, runClock, selfPod, type Cluster, type GlobalOptions, type Io } from "./context.ts";

export interface Prepared {
  loaded: LoadedConfig;
  config: Config;
  cluster: Cluster | undefined;
  view: ClusterView;
  collected: Collected;
  plan: Plan;
  now: number;
  startedAt: number;
  managers: ManagerPolicies["managers"];
  /** Set when the config has image policies. */
  images: { policies: ImagePolicy[]; findings: ImageFinding[] } | undefined;
}

export interface PrepareOptions {
  options: GlobalOptions;
  io: Io;
  log: Logger;
  /** Overrides applied to the config's settings (flags beat the file). */
  adjust?: (config: Config) => Config;
  find?: { namespace: string; name: string };
  /** `explain`: an object of a target module (e.g. KIND/NS/NAME of a resource target). */
  findTarget?: { target: string; find: TargetFind };
  /** Runs once connected, before anything is read (the sweep takes its lock here). */
  onConnected?: (cluster: Cluster, config: Config, loaded: LoadedConfig) => Promise<void>;
}

export function evaluatedCounts(prepared: Prepared) {
  return { pods: prepared.collected.evaluatedPods, namespaces: prepared.collected.evaluatedNamespaces, ...prepared.collected.evaluatedByTarget };
}

export async function prepare({ options, io, log, adjust, find, findTarget, onConnected }: PrepareOptions): Promise<Prepared> {
  const startedAt = Date.now();
  const now = runClock(options);
  const loaded = readConfig(options, io, log);
  const config = adjust ? adjust(loaded.config) : loaded.config;
  const scope = readScope(config, options.namespace);
  const cluster = options.snapshot ? undefined : await connect(options, io, log);
  if (cluster && onConnected) await onConnected(cluster, config, loaded);
  const view = await openView(options, scope, io, log, cluster);
  if (!scope.readPods) log.debug("not reading pods: no pod, sidecar or pod-counting policy needs them");
  else log.debug("reading pods", { namespaces: scope.namespaces === undefined ? "all" : scope.namespaces.join(",") || "none (-n and the policies' namespaces do not overlap)", fieldSelector: scope.podFieldSelector ?? "" });
  const progress = io.stderrIsTTY ? (n: number) => io.stderr(`\rread ${n} pods`) : undefined;
  const fromManagers = policiesFromManagers(view.namespaceManagers ?? [], config.settings.crossNamespaceManagersFrom);
  for (const problem of fromManagers.problems) log.warn(problem);
  const collected = await collectCandidates({ view, config, extraNamespacePolicies: fromManagers.policies, now, self: selfPod(io.env), find, onlyNamespaces: options.namespace, onPage: progress, snapshot: options.snapshot, client: cluster?.client, log, findTarget });
  if (progress) io.stderr("\r\x1b[K");
  const built = buildPlan({ candidates: collected.candidates, evaluatedPods: collected.evaluatedPods, evaluatedNamespaces: collected.evaluatedNamespaces, evaluatedByTarget: collected.evaluatedByTarget, settings: config.settings });
  if (collected.malformed.length > 0) log.warn(`${collected.malformed.length} malformed objects were not evaluated (listed under skipped)`);
  const plan = { ...built, skipped: [...collected.malformed, ...built.skipped] };
  const images = find ? undefined : await checkImagePolicies(config, options, io, log, cluster);
  return { loaded, config, cluster, view, collected, plan, now, startedAt, managers: fromManagers.managers, images };
}

async function checkImagePolicies(config: Config, options: GlobalOptions, io: Io, log: Logger, cluster: Cluster | undefined): Promise<Prepared["images"]> {
  const policies = imagePoliciesOf(config);
  if (policies.length === 0) return undefined;
  const findings = await checkImagesShowingProgress(io, { config, policies, snapshot: options.snapshot, client: cluster?.client, onlyNamespaces: options.namespace, log, signal: cluster?.api.signal });
  return { policies, findings };
}

/** Image checks with a progress line on a terminal. */
export async function checkImagesShowingProgress(io: Io, run: Omit<ImageRunOptions, "onProgress">): Promise<ImageFinding[]> {
  const progress = io.stderrIsTTY ? (n: number, total: number) => io.stderr(`\rchecked ${n} of ${total} images`) : undefined;
  try {
    return await runImageChecks({ ...run, onProgress: progress });
  } finally {
    if (progress) io.stderr("\r\x1b[K");
  }
}

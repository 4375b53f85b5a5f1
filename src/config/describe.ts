// A resolved config written back in the config file's own terms (for `validate`).
import { formatDuration } from "../core/duration.ts";
import type { Config, ImagePolicy, NamespacePolicy, PodPolicy, Policy, SidecarPolicy } from "./schema.ts";
import { moduleOfTarget } from "../policies/targets.ts";

export type Plain = Record<string, unknown>;

export function describeConfig(config: Config): Plain {
  const s = config.settings;
  return {
    apiVersion: "kube-sweeper.io/v1alpha1",
    kind: "SweeperConfig",
    settings: dropUndefined({ ...s, waitBetweenActions: formatDuration(s.waitBetweenActions), registries: { ...s.registries, timeout: formatDuration(s.registries.timeout) } }),
    policies: config.policies.map((p: Policy) =>
      p.target === "pods" ? describePolicy(p) : p.target === "namespaces" ? describeNamespacePolicy(p) : p.target === "sidecars" ? describeSidecarPolicy(p) : p.target === "images" ? describeImagePolicy(p) : moduleOfTarget(p.target)!.describe(p),
    ),
  };
}

/** A duration as written in a config, or nothing. */
export const optionalDuration = (ms: number | undefined) => (ms === undefined ? undefined : formatDuration(ms));

/** Selectors and patterns as written: their source text, not their parsed form. */
export function describeMatch(m: { namespaceSelector?: { text: string } | undefined; selector?: { text: string } | undefined; name?: { source: string } | undefined }): Plain {
  return dropUndefined({ ...m, namespaceSelector: m.namespaceSelector?.text, selector: m.selector?.text, name: m.name?.source });
}

function describePolicy(p: PodPolicy): Plain {
  const m = p.match;
  const when = p.when;
  return dropUndefined({
    name: p.name,
    target: p.target,
    match: describeMatch(m),
    when: dropUndefined({
      ...when,
      olderThan: optionalDuration(when.olderThan),
      lifetimeOver: optionalDuration(when.lifetimeOver),
      unreadyFor: optionalDuration(when.unreadyFor),
      nodeUnhealthyFor: optionalDuration(when.nodeUnhealthyFor),
      terminatingFor: optionalDuration(when.terminatingFor),
      cel: when.cel?.source,
    }),
    action: p.gracePeriodSeconds !== undefined ? { delete: { gracePeriodSeconds: p.gracePeriodSeconds } } : p.action,
    schedule: p.schedule ? dropUndefined({ ...p.schedule, window: formatDuration(p.schedule.window) }) : undefined,
    ignoreProtections: p.ignoreProtections,
    safetyFilters: p.safetyFilters,
  });
}

function describeNamespacePolicy(p: NamespacePolicy): Plain {
  const m = p.match;
  const w = p.when;
  const a = p.action;
  const action =
    a.kind === "deleteNamespace"
      ? "deleteNamespace"
      : a.kind === "scaleDown"
        ? { scaleDown: dropUndefined({ kinds: a.kinds, selector: a.selector?.text }) }
        : { webhook: dropUndefined({ url: a.url, secretEnv: a.secretEnv, timeout: formatDuration(a.timeout), retries: a.retries }) };
  return dropUndefined({
    name: p.name,
    target: p.target,
    match: dropUndefined({ ...m, namespaceSelector: m.namespaceSelector?.text, name: m.name?.source }),
    when: dropUndefined({
      ttl: w.ttl === undefined ? undefined : Number.isFinite(w.ttl) ? formatDuration(w.ttl) : "forever",
      expires: w.expires,
      cel: w.cel?.source,
      podsSucceeded: w.podsSucceeded
        ? dropUndefined({ selector: w.podsSucceeded.selector?.text, initialDelay: formatDuration(w.podsSucceeded.initialDelay), allowNone: w.podsSucceeded.allowNone })
        : undefined,
    }),
    action,
    schedule: p.schedule ? dropUndefined({ ...p.schedule, window: formatDuration(p.schedule.window) }) : undefined,
  });
}

function describeSidecarPolicy(p: SidecarPolicy): Plain {
  const a = p.action;
  const terminate = a.via === "http" ? { http: a.http, timeout: formatDuration(a.timeout) } : { exec: a.command, timeout: formatDuration(a.timeout) };
  return dropUndefined({
    name: p.name,
    target: p.target,
    match: dropUndefined({ ...p.match, namespaceSelector: p.match.namespaceSelector?.text, selector: p.match.selector?.text, name: p.match.name?.source }),
    sidecars: p.sidecars,
    when: dropUndefined({ lingeringFor: p.when.lingeringFor === undefined ? undefined : formatDuration(p.when.lingeringFor) }),
    action: { terminate },
    schedule: p.schedule ? dropUndefined({ ...p.schedule, window: formatDuration(p.schedule.window) }) : undefined,
  });
}

export function dropUndefined(obj: Plain): Plain {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined));
}

function describeImagePolicy(p: ImagePolicy): Plain {
  return dropUndefined({
    name: p.name,
    target: p.target,
    match: dropUndefined({ ...p.match, namespaceSelector: p.match.namespaceSelector?.text, selector: p.match.selector?.text }),
    images: dropUndefined({ ignore: p.images.ignore.map((r) => r.source), allow: p.images.allow?.map((r) => r.source) }),
    checkDisabled: p.checkDisabled,
    action: p.action.kind === "report" ? "report" : { webhook: { ...p.action, kind: undefined, timeout: formatDuration(p.action.timeout) } },
    schedule: p.schedule ? { ...p.schedule, window: formatDuration(p.schedule.window) } : undefined,
  });
}

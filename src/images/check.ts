// Image policies x workloads -> one check per distinct image, a bounded number at a time.
import type { ImagePolicy } from "../config/schema.ts";
import { matchesSelector } from "../core/selector.ts";
import type { NamespaceInfo } from "../policies/verdict.ts";
import type { Credential } from "../registry/credentials.ts";
import { BadImageFormat, parseImage, type ImageRef } from "../registry/reference.ts";
import type { ImageStatus, RegistryClient } from "../registry/client.ts";
import { imageUses, type ImageUse, type Workload } from "./workloads.ts";

export interface ImageFinding {
  /** The normalised reference (registry/repository:tag or @digest). */
  image: string;
  status: ImageStatus;
  detail: string;
  registryUnavailable?: boolean;
  workloads: { kind: string; namespace: string; name: string; container: string; image: string }[];
  policies: string[];
}

export interface CheckOptions {
  policies: ImagePolicy[];
  workloads: Workload[];
  namespaces: Map<string, NamespaceInfo> | undefined;
  registry: RegistryClient;
  /** Pull-secret credentials for a use, when registryAuth is on. */
  credentialFor?: (use: ImageUse, registry: string) => Promise<Credential | undefined>;
  concurrency: number;
  onProgress?: (checked: number, total: number) => void;
}

export function inScope(policy: ImagePolicy, w: Workload, namespaces: Map<string, NamespaceInfo> | undefined): boolean {
  const m = policy.match;
  if (m.kinds && !m.kinds.includes(w.kind)) return false;
  if (m.namespaces && !m.namespaces.includes(w.namespace)) return false;
  if (m.excludeNamespaces?.includes(w.namespace)) return false;
  if (m.namespaceSelector) {
    const info = namespaces?.get(w.namespace);
    if (!info || !matchesSelector(m.namespaceSelector.requirements, info.labels)) return false;
  }
  if (m.selector && !matchesSelector(m.selector.requirements, w.labels)) return false;
  return !w.disabled || policy.checkDisabled;
}

function wanted(policy: ImagePolicy, image: string): boolean {
  if (policy.images.ignore.some((r) => r.test(image))) return false;
  return !policy.images.allow || policy.images.allow.some((r) => r.test(image));
}

export async function checkImages(options: CheckOptions): Promise<ImageFinding[]> {
  // canonical reference -> its uses and the policies that asked
  const groups = new Map<string, { ref: ImageRef | undefined; bad?: string; uses: ImageUse[]; policies: Set<string> }>();
  // Workloads outside, policies inside: a use two policies want is listed once, under both.
  for (const workload of options.workloads) {
    const covering = options.policies.filter((policy) => inScope(policy, workload, options.namespaces));
    if (covering.length === 0) continue;
    for (const use of imageUses(workload)) {
      const asking = covering.filter((policy) => wanted(policy, use.image));
      if (asking.length === 0) continue;
      let ref: ImageRef | undefined;
      let bad: string | undefined;
      try {
        ref = parseImage(use.image);
      } catch (error) {
        if (!(error instanceof BadImageFormat)) throw error;
        bad = error.message;
      }
      const key = ref?.canonical ?? `bad:${use.image}`;
      const group = groups.get(key) ?? { ref, bad, uses: [], policies: new Set<string>() };
      group.uses.push(use);
      for (const policy of asking) group.policies.add(policy.name);
      groups.set(key, group);
    }
  }

  const entries = [...groups.entries()].sort(([a], [b]) => a.localeCompare(b));
  const findings: ImageFinding[][] = new Array(entries.length);
  let next = 0;
  let checked = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= entries.length) return;
      const [key, group] = entries[i]!;
      const base = { image: group.ref?.canonical ?? key.slice(4), workloads: workloadsOf(group.uses), policies: [...group.policies].sort() };
      if (!group.ref) {
        findings[i] = [{ ...base, status: "bad-format", detail: group.bad ?? "not an image reference" }];
      } else {
        // Each workload pulls with its own namespace's credentials: check once per credential in use,
        // so a secret in one namespace never makes the image "available" for another.
        const byCredential = await partitionByCredential(group.uses, options.registry.hostFor(group.ref), options.credentialFor);
        findings[i] = [];
        for (const { credential, uses } of byCredential) {
          const result = await options.registry.check(group.ref, credential);
          findings[i]!.push({ ...base, workloads: workloadsOf(uses), ...result });
        }
      }
      options.onProgress?.(++checked, entries.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, Math.max(1, entries.length)) }, worker));
  return findings.flat();
}

function workloadsOf(uses: ImageUse[]): ImageFinding["workloads"] {
  return uses
    .map((u) => ({ kind: u.workload.kind, namespace: u.workload.namespace, name: u.workload.name, container: u.container, image: u.image }))
    .sort((a, b) => `${a.namespace}/${a.kind}/${a.name}/${a.container}`.localeCompare(`${b.namespace}/${b.kind}/${b.name}/${b.container}`));
}

/** The uses grouped by the credential each would pull with (none first), in a stable order. */
async function partitionByCredential(uses: ImageUse[], host: string, credentialFor: CheckOptions["credentialFor"]): Promise<{ credential: Credential | undefined; uses: ImageUse[] }[]> {
  const parts = new Map<string, { credential: Credential | undefined; uses: ImageUse[] }>();
  for (const use of uses) {
    const credential = credentialFor ? await credentialFor(use, host) : undefined;
    const key = credential ? JSON.stringify([credential.username, credential.password]) : "";
    const part = parts.get(key) ?? { credential, uses: [] };
    part.uses.push(use);
    parts.set(key, part);
  }
  return [...parts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, part]) => part);
}

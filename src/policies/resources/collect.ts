// Resource policies over the cluster: kinds resolved through discovery, references gathered in
// one pass when `unused` needs them, then every kind listed page by page. Each object is
// evaluated as it arrives and only candidates are kept, so memory does not grow with the cluster.
import type { ResourcePolicy, Settings } from "../../config/schema.ts";
import { Interner } from "../../core/intern.ts";
import type { Logger } from "../../core/log.ts";
import { qualifiedName, resolveKinds, type ResourceKind } from "../../cluster/discovery.ts";
import type { ResourceSource } from "../../cluster/resource-reader.ts";
import { pickWinner, type Contender } from "../../plan/choose.ts";
import { protectedNamespaceSet } from "../../plan/protections.ts";
import type { Candidate, ServedAs, Skipped } from "../../plan/types.ts";
import type { NamespaceInfo } from "../verdict.ts";
import { resourceObject, type KubeObject, type ResourceContext, type ResourceObject } from "./context.ts";
import { evaluateResourcePolicy, type ResourceEvaluation } from "./evaluate.ts";
import { dueNotice } from "./notice.ts";
import type { DueNotice } from "../../plan/types.ts";
import { ReferenceIndex } from "./references.ts";
import { resourceProtections, resourceProtectionsFor, type ResourceProtection, type ResourceProtectionContext } from "./protections.ts";

export interface ResourceCollectOptions {
  source: ResourceSource;
  policies: ResourcePolicy[];
  settings: Settings;
  now: number;
  namespaces: Map<string, NamespaceInfo> | undefined;
  /** -n: only objects in these namespaces (cluster-scoped kinds are then not read). */
  onlyNamespaces?: readonly string[] | undefined;
  /** `explain KIND/NS/NAME`: keep this object's evaluations. */
  find?: { kind: string; namespace: string; name: string } | undefined;
  log: Logger;
}

export interface FoundResource {
  obj: ResourceObject;
  evaluations: ResourceEvaluation[];
  protections: ResourceProtection[];
}

export interface ResourceCollected {
  candidates: Candidate[];
  /** Objects reported and not acted on: a condition that could not be judged, a malformed object. */
  skipped: Skipped[];
  evaluated: number;
  /** Kinds a policy names that cannot be used (a warning in plan, an error in validate --cluster). */
  problems: string[];
  kindsByPolicy: Map<string, Set<string>>;
  found: FoundResource | undefined;
  /** Objects whose ttl or expiry falls due within a policy's notifyBefore: a Warning Event each. */
  notices: DueNotice[];
  /** The context the objects were judged in (explain re-evaluates with it). */
  context: ResourceContext;
  protectionContext: ResourceProtectionContext;
}

/** Each policy's kinds, resolved against what the server serves; problems named by policy. */
export function resolvePolicyKinds(policies: ResourcePolicy[], served: ResourceKind[]): { perPolicy: Map<string, ResourceKind[]>; problems: string[] } {
  const perPolicy = new Map<string, ResourceKind[]>();
  const problems: string[] = [];
  for (const p of policies) {
    const resolved = resolveKinds(p.match.kinds, served);
    perPolicy.set(p.name, resolved.kinds);
    problems.push(...resolved.problems.map((problem) => `policy ${p.name}: match.kinds: ${problem}`));
  }
  return { perPolicy, problems };
}

/** The namespaces to read for these policies: undefined = every namespace. */
function namespacesToRead(policies: ResourcePolicy[], only: readonly string[] | undefined): string[] | undefined {
  const named = policies.every((p) => p.match.namespaces) ? [...new Set(policies.flatMap((p) => p.match.namespaces!))] : undefined;
  const flag = only?.length ? [...new Set(only)] : undefined;
  const out = flag && named ? flag.filter((ns) => named.includes(ns)) : (flag ?? named);
  return out?.sort();
}

// The kinds whose pod templates `unused` reads (group, resource, Kind).
const TEMPLATE_KINDS: [string, string][] = [["apps", "deployments"], ["apps", "replicasets"], ["apps", "statefulsets"], ["apps", "daemonsets"], ["batch", "jobs"], ["batch", "cronjobs"]];

/** One pass over the pods, pod templates and (for Secrets) ServiceAccounts in scope. */
async function readReferences(source: ResourceSource, served: ResourceKind[], namespaces: string[] | undefined, log: Logger): Promise<ReferenceIndex> {
  const index = new ReferenceIndex();
  const find = (group: string, resource: string) => served.find((k) => k.group === group && k.resource === resource);
  const readers: [ResourceKind | undefined, (ns: string, item: KubeObject) => void][] = [
    [find("", "pods"), (ns, item) => index.addPodSpec(ns, item.spec)],
    ...TEMPLATE_KINDS.map(([group, resource]): [ResourceKind | undefined, (ns: string, item: KubeObject) => void] => {
      const kind = find(group, resource);
      return [kind, (ns, item) => index.addWorkload(ns, kind!.kind, item)];
    }),
    [find("", "serviceaccounts"), (ns, item) => index.addServiceAccount(ns, item)],
  ];
  let read = 0;
  for (const [kind, add] of readers) {
    if (!kind) continue;
    for (const ns of namespaces ?? [undefined]) {
      // A restarted list only re-adds names: a set of names cannot count anything twice.
      for await (const page of source.pages(kind, ns)) {
        for (const item of page.items) {
          const namespace = item?.metadata?.namespace;
          if (typeof namespace === "string") add(namespace, item);
          read++;
        }
      }
    }
  }
  log.debug(`unused: read ${read} pods, pod templates and service accounts for references`);
  return index;
}

export async function collectResources(o: ResourceCollectOptions): Promise<ResourceCollected> {
  const served = await o.source.served();
  const { perPolicy, problems } = resolvePolicyKinds(o.policies, served);
  for (const problem of problems) o.log.warn(problem);
  const kindsByPolicy = new Map([...perPolicy].map(([name, kinds]) => [name, new Set(kinds.map(qualifiedName))]));
  const unusedPolicies = o.policies.filter((p) => p.when.unused);
  const references = unusedPolicies.length > 0 ? await readReferences(o.source, served, namespacesToRead(unusedPolicies, o.onlyNamespaces), o.log) : undefined;
  const context: ResourceContext = { now: o.now, references, namespaces: o.namespaces, kindsByPolicy };
  const protectionContext: ResourceProtectionContext = {
    protectedNamespaces: protectedNamespaceSet(o.settings, false),
    namespaces: o.namespaces,
    lock: o.settings.lock.enabled ? { namespace: o.settings.lock.namespace, name: o.settings.lock.name } : undefined,
  };

  // Every kind once, read for the policies that name it.
  const kinds = new Map<string, { kind: ResourceKind; policies: ResourcePolicy[] }>();
  for (const p of o.policies) {
    for (const kind of perPolicy.get(p.name) ?? []) {
      const entry = kinds.get(qualifiedName(kind)) ?? { kind, policies: [] };
      entry.policies.push(p);
      kinds.set(qualifiedName(kind), entry);
    }
  }

  const candidates: Candidate[] = [];
  const skipped: Skipped[] = [];
  const notices: DueNotice[] = [];
  const notifying = o.policies.some((p) => p.notifyBefore !== undefined);
  const seen = new Set<string>();
  // Candidates outlive the read: their repeated texts (namespaces, reasons) are held once.
  const interner = new Interner();
  let evaluated = 0;
  let found: FoundResource | undefined;
  for (const { kind, policies } of kinds.values()) {
    if (!kind.namespaced && o.onlyNamespaces?.length) {
      o.log.debug(`${qualifiedName(kind)} is cluster-scoped: not read with -n`);
      continue;
    }
    const namespaces = kind.namespaced ? namespacesToRead(policies, o.onlyNamespaces) : undefined;
    for (const ns of namespaces ?? [undefined]) {
      // What this list gave, dropped if the list has to start over.
      let listCandidates: Candidate[] = [];
      let listSkipped: Skipped[] = [];
      let listNotices: DueNotice[] = [];
      let listEvaluated = 0;
      for await (const page of o.source.pages(kind, ns)) {
        if (page.restarted) {
          [listCandidates, listSkipped, listNotices, listEvaluated] = [[], [], [], 0];
        }
        for (const raw of page.items) {
          if (!raw || typeof raw !== "object") continue;
          listEvaluated++;
          let obj: ResourceObject | undefined;
          try {
            obj = resourceObject(raw, kind);
            const evaluations = policies.map((p) => evaluateResourcePolicy(obj!, p, context));
            const wanted = o.find && [kind.resource, qualifiedName(kind), kind.kind.toLowerCase()].includes(o.find.kind.toLowerCase()) && o.find.namespace === obj.namespace && o.find.name === obj.name;
            if (wanted) found = { obj, evaluations: o.policies.map((p) => evaluateResourcePolicy(obj!, p, context, true)), protections: resourceProtections(obj, protectionContext) };
            for (const e of evaluations) if (e.error) listSkipped.push({ policy: e.policy.name, target: targetOf(obj), reason: `${e.error}: not acted on` });
            if (!evaluations.some((e) => e.matched)) {
              const notice = notifying ? dueNotice(evaluations, resourceProtections(obj, protectionContext), o.now) : undefined;
              if (notice) listNotices.push({ ...notice, target: { kind: obj.kind.kind, namespace: obj.namespace, name: obj.name, uid: obj.uid, resource: servedAs(obj.kind) } });
              continue;
            }
            const candidate = chooseResourceAction(obj, evaluations, resourceProtections(obj, protectionContext), o.now, interner);
            if (candidate) listCandidates.push(candidate);
          } catch (error) {
            // A field of an unexpected type: never act on an object that cannot be read whole.
            listSkipped.push({ policy: "", target: obj ? targetOf(obj) : { kind: kind.kind, namespace: "", name: "" }, reason: `malformed object, not evaluated: ${(error as Error).message}` });
          }
        }
      }
      evaluated += listEvaluated;
      skipped.push(...listSkipped);
      for (const n of listNotices) {
        if (seen.has(n.target.uid)) continue;
        seen.add(n.target.uid);
        notices.push(n);
      }
      // The same objects served under two groups (events and events.events.k8s.io under "*"): once.
      for (const c of listCandidates) {
        if (seen.has(c.target.uid)) continue;
        seen.add(c.target.uid);
        candidates.push(c);
      }
    }
  }
  return { candidates, skipped, evaluated, problems, kindsByPolicy, found, notices, context, protectionContext };
}

function targetOf(obj: ResourceObject): Skipped["target"] {
  return { kind: obj.kind.kind, namespace: obj.namespace, name: obj.name, resource: servedAs(obj.kind) };
}

// One ServedAs per kind, shared by all its targets: a plan may hold tens of thousands of them.
const served = new WeakMap<ResourceKind, ServedAs>();
function servedAs(kind: ResourceKind): ServedAs {
  let s = served.get(kind);
  if (!s) served.set(kind, (s = { group: kind.group, version: kind.version, resource: kind.resource, namespaced: kind.namespaced }));
  return s;
}

/** The first matching policy in config order that may act wins, as for pods. */
export function chooseResourceAction(obj: ResourceObject, evaluations: ResourceEvaluation[], protections: ResourceProtection[], now: number, interner?: Interner): Candidate | undefined {
  const contenders: Contender[] = evaluations
    .filter((e) => e.matched)
    .map((e) => ({
      name: e.policy.name,
      action: e.policy.action.kind,
      schedule: e.policy.schedule,
      reasons: e.conditions.map((c) => c.reason),
      protections: resourceProtectionsFor(protections, e.policy.ignoreProtections).map((p) => p.reason),
    }));
  const picked = pickWinner(contenders, now);
  if (!picked) return undefined;
  const held = (text: string) => (interner ? interner.of(text) : text);
  return {
    target: { kind: obj.kind.kind, namespace: held(obj.namespace), name: obj.name, uid: obj.uid, resource: servedAs(obj.kind) },
    ...picked,
    reasons: interner ? interner.list(picked.reasons) : picked.reasons,
    ...(picked.heldBack !== undefined ? { heldBack: held(picked.heldBack) } : {}),
    created: obj.created ?? 0,
    restarts: 0,
    owner: undefined,
  };
}

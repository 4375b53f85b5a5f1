// A fake Kubernetes API server for the fast test tier. It speaks the wire protocol the real one
// does for what kube-sweeper uses: Status error bodies, paginated lists with continue tokens
// (and 410 Expired), delete preconditions (409), Eviction with PodDisruptionBudgets (429),
// RBAC refusals (403), dryRun=All, bearer-token authentication (401); single GETs of pods, nodes
// and namespaces; namespace patch/delete and Deployments/StatefulSets with their scale subresource
// (merge patch and JSON patch, a changed metadata.uid refused as the real server does). Tests change
// objects between a read and a write through `intercept` and the maps below.
import type http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { mkdtempSync } from "node:fs";
import type { KubeObject, Namespace, Node, Pod } from "../../src/core/k8s.ts";
import { matchesSelector, parseSelector } from "../../src/core/selector.ts";
import { testCertificate } from "../helpers/tls.ts";
import { WebSocketServer } from "ws";
import type { Duplex } from "node:stream";

export interface Pdb {
  namespace: string;
  name: string;
  selector: string;
  disruptionsAllowed: number;
}

export interface Forbid {
  verb: "list" | "get" | "delete" | "create" | "update" | "patch";
  /** "pods", "pods/eviction", "leases", "events", ... */
  resource: string;
}

export interface RecordedRequest {
  method: string;
  /** The Content-Type header: a patch's type is read from it, as the real server does. */
  contentType?: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  at: number;
  /** When its answer was finished (the last byte handed to the socket) or the connection closed. */
  doneAt?: number;
}

export interface FakeOptions {
  token?: string;
  /** Which bearer tokens are valid now (default: exactly `token`); a rotating credential's server. */
  acceptToken?: (token: string) => boolean;
  /** The serving certificate (default: the test certificate for 127.0.0.1 and localhost). */
  tls?: { key: string; cert: string };
  /** Milliseconds to wait before answering a request (a slow server), after authenticating it. */
  delayMs?: (req: RecordedRequest) => number;
  /**
   * A list page's 200 body is written in four pieces this many ms apart (the real server streams
   * a large list as it encodes it): its metadata, continue token included, comes first.
   */
  listPaceMs?: number;
  pods?: Pod[];
  nodes?: Node[];
  namespaces?: Namespace[];
  pdbs?: Pdb[];
  /** apps/v1 Deployments and StatefulSets (kind set on each). */
  workloads?: Workload[];
  forbid?: Forbid[];
  /** Serve policy/v1 (Kubernetes >= 1.22); otherwise only policy/v1beta1 Eviction. */
  policyV1?: boolean;
  version?: string;
  /**
   * Replaces the 200 body of a list page (pods, nodes, namespaces): a JSON value, or raw text when
   * a string is returned; undefined keeps the real page. `page` counts from 0 within one list.
   */
  listAnswer?: (list: { path: string; kind: string; page: number; body: Record<string, unknown> }) => unknown;
  /** Lets a test answer a request itself (faults): return true when it did. */
  intercept?: (req: RecordedRequest, res: http.ServerResponse) => boolean;
  /**
   * What an exec does. Default: `kill ...` stops the container (its status becomes terminated,
   * exit 0); anything else exits 0. `hang` never sends a status frame.
   */
  exec?: (call: { namespace: string; pod: string; container: string; command: string[] }) => { stdout?: string; exitCode?: number; hang?: boolean };
  /** Refuse every exec upgrade with this status (an admission webhook, say), whatever RBAC says. */
  refuseExec?: { code: number; message: string };
  /** What the pod proxy answers (status code); default 200 and the container named by port stops. */
  proxy?: (call: { namespace: string; pod: string; port: string; path: string; method: string }) => number;
  /** Objects of any other served kind (Deployments, ConfigMaps, custom resources...), by apiVersion and kind. */
  objects?: KubeObject[];
  /** Custom resources served besides the built-in kinds (as a CRD would make them). */
  customResources?: ServedResource[];
  /** Group versions whose discovery document answers 503 (an aggregated API whose backend is down). */
  unavailableGroupVersions?: string[];
}

export interface ServedResource {
  group: string;
  version: string;
  resource: string;
  kind: string;
  namespaced: boolean;
  verbs?: string[];
  shortNames?: string[];
}

const ALL_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

// What discovery serves, as a v1.30 server does (abridged): group, version, resource, kind, namespaced.
const BUILT_IN: ServedResource[] = [
  { group: "", version: "v1", resource: "pods", kind: "Pod", namespaced: true, shortNames: ["po"] },
  { group: "", version: "v1", resource: "pods/eviction", kind: "Eviction", namespaced: true, verbs: ["create"] },
  { group: "", version: "v1", resource: "pods/exec", kind: "PodExecOptions", namespaced: true, verbs: ["create", "get"] },
  { group: "", version: "v1", resource: "namespaces", kind: "Namespace", namespaced: false, shortNames: ["ns"] },
  { group: "", version: "v1", resource: "nodes", kind: "Node", namespaced: false, shortNames: ["no"] },
  { group: "", version: "v1", resource: "configmaps", kind: "ConfigMap", namespaced: true, shortNames: ["cm"] },
  { group: "", version: "v1", resource: "secrets", kind: "Secret", namespaced: true },
  { group: "", version: "v1", resource: "persistentvolumeclaims", kind: "PersistentVolumeClaim", namespaced: true, shortNames: ["pvc"] },
  { group: "", version: "v1", resource: "serviceaccounts", kind: "ServiceAccount", namespaced: true, shortNames: ["sa"] },
  { group: "", version: "v1", resource: "events", kind: "Event", namespaced: true, shortNames: ["ev"] },
  { group: "", version: "v1", resource: "componentstatuses", kind: "ComponentStatus", namespaced: false, verbs: ["get", "list"] },
  { group: "", version: "v1", resource: "bindings", kind: "Binding", namespaced: true, verbs: ["create"] },
  { group: "apps", version: "v1", resource: "deployments", kind: "Deployment", namespaced: true, shortNames: ["deploy"] },
  { group: "apps", version: "v1", resource: "deployments/scale", kind: "Scale", namespaced: true, verbs: ["get", "patch", "update"] },
  { group: "apps", version: "v1", resource: "replicasets", kind: "ReplicaSet", namespaced: true, shortNames: ["rs"] },
  { group: "apps", version: "v1", resource: "statefulsets", kind: "StatefulSet", namespaced: true, shortNames: ["sts"] },
  { group: "apps", version: "v1", resource: "daemonsets", kind: "DaemonSet", namespaced: true, shortNames: ["ds"] },
  { group: "batch", version: "v1", resource: "jobs", kind: "Job", namespaced: true },
  { group: "batch", version: "v1", resource: "cronjobs", kind: "CronJob", namespaced: true, shortNames: ["cj"] },
  { group: "events.k8s.io", version: "v1", resource: "events", kind: "Event", namespaced: true, shortNames: ["ev"] },
  { group: "coordination.k8s.io", version: "v1", resource: "leases", kind: "Lease", namespaced: true },
  { group: "rbac.authorization.k8s.io", version: "v1", resource: "clusterroles", kind: "ClusterRole", namespaced: false },
  { group: "apiextensions.k8s.io", version: "v1", resource: "customresourcedefinitions", kind: "CustomResourceDefinition", namespaced: false, shortNames: ["crd"] },
  { group: "authorization.k8s.io", version: "v1", resource: "selfsubjectaccessreviews", kind: "SelfSubjectAccessReview", namespaced: false, verbs: ["create"] },
];

export interface Workload {
  kind: "Deployment" | "StatefulSet";
  metadata: { name: string; namespace: string; uid: string; labels?: Record<string, string>; annotations?: Record<string, string>; resourceVersion?: string; creationTimestamp?: string };
  spec: { replicas: number };
}

export interface FakeApiServer {
  url: string;
  pods: Map<string, Pod>;
  /** By name; a test may add, replace or delete entries between a read and a write. */
  nodes: Map<string, Node>;
  namespaces: Map<string, Namespace>;
  /** By "Kind/namespace/name". */
  workloads: Map<string, Workload>;
  /** Objects of other kinds, keyed "group/resource/namespace/name" ("" group for core, "" namespace if cluster-scoped). */
  objects: Map<string, KubeObject>;
  leases: Map<string, { metadata: { name: string; namespace: string; resourceVersion: string }; spec: Record<string, unknown> }>;
  events: { namespace: string; body: Record<string, unknown> }[];
  requests: RecordedRequest[];
  /** The next list page request with a continue token gets 410 Expired. */
  expireNextContinue(): void;
  kubeconfig(token?: string): string;
  close(): Promise<void>;
}

const key = (ns: string, name: string) => `${ns}/${name}`;

export function status(res: http.ServerResponse, code: number, reason: string, message: string, details?: unknown): void {
  res.writeHead(code, { "Content-Type": "application/json" });
  res.end(JSON.stringify({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, ...(details ? { details } : {}), code }));
}

function json(res: http.ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
}

/** A fake API server for the length of `body`, closed afterwards whatever happens. */
export async function withFakeApiServer<T>(options: FakeOptions, body: (server: FakeApiServer) => Promise<T>): Promise<T> {
  const server = await startFakeApiServer(options);
  try {
    return await body(server);
  } finally {
    await server.close();
  }
}

export async function startFakeApiServer(options: FakeOptions = {}): Promise<FakeApiServer> {
  const token = options.token ?? "test-token";
  const pods = new Map<string, Pod>((options.pods ?? []).map((p) => [key(p.metadata!.namespace!, p.metadata!.name!), structuredClone(p)]));
  const nodes = new Map<string, Node>((options.nodes ?? []).map((n) => [n.metadata!.name!, structuredClone(n)]));
  const namespaces = new Map<string, Namespace>((options.namespaces ?? []).map((n) => [n.metadata!.name!, structuredClone(n)]));
  const workloads = new Map<string, Workload>((options.workloads ?? []).map((w) => [`${w.kind}/${w.metadata.namespace}/${w.metadata.name}`, structuredClone(w)]));
  const requests: RecordedRequest[] = [];
  let expireNext = false;
  const leases: FakeApiServer["leases"] = new Map();
  const events: FakeApiServer["events"] = [];
  let resourceVersion = 1000;
  const tmp = mkdtempSync(join(tmpdir(), "ks-fake-"));
  const served = [...BUILT_IN, ...(options.customResources ?? [])].map((r) => ({ ...r, verbs: r.verbs ?? ALL_VERBS }));
  const builtIn = (r: ServedResource) => BUILT_IN.includes(r as never) || BUILT_IN.some((b) => b.group === r.group && b.resource === r.resource);
  const objectKey = (group: string, resource: string, ns: string, name: string) => `${group}/${resource}/${ns}/${name}`;
  const objects = new Map<string, KubeObject>();
  for (const o of options.objects ?? []) {
    const group = o.apiVersion?.includes("/") ? o.apiVersion.split("/")[0]! : "";
    const r = served.find((s) => s.group === group && s.kind === o.kind && !s.resource.includes("/"));
    if (!r) throw new Error(`fake: no served kind for ${o.apiVersion} ${o.kind}`);
    const copy = structuredClone(o);
    copy.metadata = { resourceVersion: String(++resourceVersion), ...copy.metadata };
    objects.set(objectKey(group, r.resource, r.namespaced ? (o.metadata?.namespace ?? "") : "", o.metadata?.name ?? ""), copy);
  }

  // Discovery, as the API server answers it: /api, /apis, and one APIResourceList per group version.
  const discovery = (r: RecordedRequest, res: http.ServerResponse, parts: string[]): boolean => {
    if (r.method !== "GET") return false;
    if (r.path === "/api") return (json(res, 200, { kind: "APIVersions", versions: ["v1"] }), true);
    const groupVersions = [...new Set(served.filter((s) => s.group).map((s) => `${s.group}/${s.version}`))];
    if (r.path === "/apis") {
      const groups = [...new Set(served.filter((s) => s.group).map((s) => s.group))].map((name) => {
        const versions = [...new Set(served.filter((s) => s.group === name).map((s) => s.version))].map((version) => ({ groupVersion: `${name}/${version}`, version }));
        return { name, versions, preferredVersion: versions[0] };
      });
      return (json(res, 200, { kind: "APIGroupList", apiVersion: "v1", groups }), true);
    }
    const gv = parts[0] === "api" && parts.length === 2 ? parts[1]! : parts[0] === "apis" && parts.length === 3 ? `${parts[1]}/${parts[2]}` : undefined;
    if (gv === undefined || (gv !== "v1" && !groupVersions.includes(gv))) return false;
    if (options.unavailableGroupVersions?.includes(gv)) return (status(res, 503, "ServiceUnavailable", "the server is currently unable to handle the request"), true);
    const resources = served
      .filter((s) => (s.group ? `${s.group}/${s.version}` : s.version) === gv)
      .map((s) => ({ name: s.resource, singularName: s.resource.includes("/") ? "" : s.kind.toLowerCase(), namespaced: s.namespaced, kind: s.kind, verbs: s.verbs, ...(s.shortNames ? { shortNames: s.shortNames } : {}) }));
    return (json(res, 200, { kind: "APIResourceList", apiVersion: "v1", groupVersion: gv, resources }), true);
  };

  // Lists and deletes of any other served kind, at /api/v1/... or /apis/{group}/{version}/...
  const generic = (r: RecordedRequest, res: http.ServerResponse, parts: string[], dryRun: boolean): boolean => {
    const [group, version, rest] = parts[0] === "api" ? ["", parts[1], parts.slice(2)] : parts[0] === "apis" ? [parts[1]!, parts[2], parts.slice(3)] : [undefined, undefined, []];
    if (group === undefined || !version) return false;
    const namespaced = rest[0] === "namespaces" && rest.length >= 3;
    const [ns, resource, name] = namespaced ? [decodeURIComponent(rest[1]!), rest[2]!, rest[3] ? decodeURIComponent(rest[3]) : undefined] : [undefined, rest[0], rest[1] ? decodeURIComponent(rest[1]) : undefined];
    const kind = served.find((s) => s.group === group && s.version === version && s.resource === resource);
    if (!kind || rest.length > (namespaced ? 4 : 2) || (namespaced && !kind.namespaced)) return false;
    const prefix = `${group}/${resource}/`;
    if (r.method === "GET" && name === undefined) {
      if (forbidden("list", resource!)) return (status(res, 403, "Forbidden", rbacMessage("list", resource!, ns), { kind: resource }), true);
      const items = [...objects.entries()]
        .filter(([k]) => k.startsWith(prefix) && (ns === undefined || k.startsWith(`${prefix}${ns}/`)))
        .sort(([a], [b]) => a.localeCompare(b))
        // Typed lists of built-in kinds carry no kind and apiVersion per item; custom resources do.
        .map(([, o]) => (builtIn(kind) ? { ...o, kind: undefined, apiVersion: undefined } : o));
      return (list(res, `${kind.kind}List`, items, r.query), true);
    }
    if (r.method === "GET" && name !== undefined) {
      if (forbidden("get", resource!)) return (status(res, 403, "Forbidden", rbacMessage("get", resource!, ns), { name, kind: resource }), true);
      const stored = objects.get(objectKey(group, resource!, ns ?? "", name));
      const plural = group ? `${resource}.${group}` : resource;
      if (!stored) return (status(res, 404, "NotFound", `${plural} "${name}" not found`, { name, kind: resource }), true);
      return (json(res, 200, { apiVersion: kind.version && group ? `${group}/${kind.version}` : "v1", kind: kind.kind, ...stored }), true);
    }
    if (r.method === "DELETE" && name !== undefined) {
      if (forbidden("delete", resource!)) return (status(res, 403, "Forbidden", rbacMessage("delete", resource!, ns), { name, kind: resource }), true);
      const k = objectKey(group, resource!, ns ?? "", name);
      const stored = objects.get(k);
      const plural = group ? `${resource}.${group}` : resource;
      if (!stored) return (status(res, 404, "NotFound", `${plural} "${name}" not found`, { name, kind: resource }), true);
      const pre = (r.body as { preconditions?: { uid?: string; resourceVersion?: string } } | undefined)?.preconditions;
      if (pre?.uid && pre.uid !== stored.metadata?.uid) {
        return (status(res, 409, "Conflict", `Operation cannot be fulfilled on ${plural} "${name}": the UID in the precondition (${pre.uid}) does not match the UID in record (${stored.metadata?.uid}). The object might have been deleted and then recreated`, { name, kind: resource }), true);
      }
      if (pre?.resourceVersion && pre.resourceVersion !== stored.metadata?.resourceVersion) {
        return (status(res, 409, "Conflict", `Operation cannot be fulfilled on ${plural} "${name}": the ResourceVersion in the precondition (${pre.resourceVersion}) does not match the ResourceVersion in record (${stored.metadata?.resourceVersion}). The object might have been modified`, { name, kind: resource }), true);
      }
      if (!dryRun) objects.delete(k);
      return (json(res, 200, { kind: "Status", apiVersion: "v1", status: "Success", details: { name, kind: resource, uid: stored.metadata?.uid } }), true);
    }
    return false;
  };

  let kubeconfigs = 0;

  const forbidden = (verb: Forbid["verb"], resource: string) => options.forbid?.some((f) => f.verb === verb && f.resource === resource);

  const list = <T>(res: http.ServerResponse, kind: string, items: T[], query: URLSearchParams, path = "") => {
    const limit = Number(query.get("limit") ?? "0");
    const token = query.get("continue");
    let offset = 0;
    if (token) {
      if (expireNext) {
        expireNext = false;
        return status(res, 410, "Expired", "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.");
      }
      const decoded = JSON.parse(Buffer.from(token, "base64").toString("utf8")) as { offset: number };
      offset = decoded.offset;
    }
    const page = limit > 0 ? items.slice(offset, offset + limit) : items.slice(offset);
    const next = limit > 0 && offset + limit < items.length ? Buffer.from(JSON.stringify({ offset: offset + limit })).toString("base64") : undefined;
    const body = { kind, apiVersion: "v1", metadata: { resourceVersion: String(resourceVersion), ...(next ? { continue: next, remainingItemCount: items.length - offset - limit } : {}) }, items: page };
    const replaced = options.listAnswer?.({ path, kind, page: limit > 0 ? Math.floor(offset / limit) : 0, body });
    const text = replaced === undefined ? JSON.stringify(body) : typeof replaced === "string" ? replaced : JSON.stringify(replaced);
    res.writeHead(200, { "Content-Type": "application/json" });
    if (!options.listPaceMs) return res.end(text);
    const piece = Math.ceil(text.length / 4);
    const write = (from: number) => {
      if (res.destroyed) return;
      if (from + piece >= text.length) return res.end(text.slice(from));
      res.write(text.slice(from, from + piece));
      setTimeout(() => write(from + piece), options.listPaceMs);
    };
    write(0);
  };

  const podFilter = (query: URLSearchParams, namespace?: string) => {
    const selector = query.get("fieldSelector");
    const terms = selector ? selector.split(",").map((t) => t.split("=") as [string, string]) : [];
    return [...pods.values()]
      .filter((p) => namespace === undefined || p.metadata?.namespace === namespace)
      .filter((p) =>
        terms.every(([field, value]) => {
          if (field === "status.phase") return p.status?.phase === value;
          if (field === "metadata.namespace") return p.metadata?.namespace === value;
          throw new Error(`fake: unsupported field selector ${field}`);
        }),
      )
      .sort((a, b) => key(a.metadata!.namespace!, a.metadata!.name!).localeCompare(key(b.metadata!.namespace!, b.metadata!.name!)));
  };

  const rbacMessage = (verb: string, resource: string, namespace?: string) =>
    `${resource} is forbidden: User "system:serviceaccount:ops:kube-sweeper" cannot ${verb} resource "${resource.split("/")[0]}"${resource.includes("/") ? ` subresource "${resource.split("/")[1]}"` : ""} in API group "" ${namespace ? `in the namespace "${namespace}"` : "at the cluster scope"}`;

  const deletePod = (res: http.ServerResponse, ns: string, name: string, body: { preconditions?: { uid?: string; resourceVersion?: string }; dryRun?: string[] } | undefined, dryRun: boolean) => {
    const pod = pods.get(key(ns, name));
    if (!pod) return status(res, 404, "NotFound", `pods "${name}" not found`, { name, kind: "pods" });
    const wantUid = body?.preconditions?.uid;
    if (wantUid && wantUid !== pod.metadata?.uid) {
      return status(res, 409, "Conflict", `Operation cannot be fulfilled on Pod "${name}": the UID in the precondition (${wantUid}) does not match the UID in record (${pod.metadata?.uid}). The object might have been deleted and then recreated`, { name, kind: "Pod" });
    }
    const wantVersion = body?.preconditions?.resourceVersion;
    if (wantVersion && wantVersion !== pod.metadata?.resourceVersion) {
      return status(res, 409, "Conflict", `Operation cannot be fulfilled on Pod "${name}": the ResourceVersion in the precondition (${wantVersion}) does not match the ResourceVersion in record (${pod.metadata?.resourceVersion}). The object might have been modified`, { name, kind: "Pod" });
    }
    if (!dryRun) pods.delete(key(ns, name));
    json(res, 200, pod);
  };


  /** A patch as the API server applies it: JSON patch (test ops included) or JSON merge patch, by Content-Type. */
  const applyPatch = (target: unknown, r: RecordedRequest): { ok: true; value: unknown } | { ok: false; code: number; reason: string; message: string } => {
    if (r.contentType?.startsWith("application/json-patch+json")) {
      if (!Array.isArray(r.body)) return { ok: false, code: 400, reason: "BadRequest", message: "json: cannot unmarshal object into Go value of type jsonpatch.Patch" };
      const doc = structuredClone(target) as Record<string, unknown>;
      for (const op of r.body as { op: string; path: string; value?: unknown }[]) {
        const keys = op.path.split("/").slice(1).map((k) => k.replaceAll("~1", "/").replaceAll("~0", "~"));
        const last = keys.pop()!;
        let parent: Record<string, unknown> | undefined = doc;
        for (const k of keys) parent = parent?.[k] as Record<string, unknown> | undefined;
        if (!parent || typeof parent !== "object") return { ok: false, code: 500, reason: "InternalError", message: `jsonpatch ${op.op} operation does not apply: doc is missing path: "${op.path}"` };
        if (op.op === "test") {
          if (JSON.stringify(parent[last]) !== JSON.stringify(op.value)) {
            // kube-apiserver: a failed JSON patch is a 422 whose cause carries the library's text.
            return { ok: false, code: 422, reason: "Invalid", message: `the server rejected our request due to an error in our request` };
          }
        } else if (op.op === "add" || op.op === "replace") parent[last] = op.value;
        else if (op.op === "remove") delete parent[last];
        else return { ok: false, code: 400, reason: "BadRequest", message: `unexpected kind: ${op.op}` };
      }
      return { ok: true, value: doc };
    }
    if (!r.contentType?.startsWith("application/merge-patch+json")) return { ok: false, code: 415, reason: "UnsupportedMediaType", message: `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml` };
    const merge = (into: unknown, patch: unknown): unknown => {
      if (!patch || typeof patch !== "object" || Array.isArray(patch)) return patch;
      const out: Record<string, unknown> = into && typeof into === "object" && !Array.isArray(into) ? { ...(into as Record<string, unknown>) } : {};
      for (const [k, v] of Object.entries(patch)) {
        if (v === null) delete out[k];
        else out[k] = merge(out[k], v);
      }
      return out;
    };
    return { ok: true, value: merge(target, r.body) };
  };

  /** metadata.uid is immutable: the real server refuses a patch that changes it (422). */
  const uidChanged = (res: http.ServerResponse, kind: string, name: string, before: { metadata?: { uid?: string } }, after: { metadata?: { uid?: string } }) => {
    if (after.metadata?.uid === before.metadata?.uid) return false;
    status(res, 422, "Invalid", `${kind} "${name}" is invalid: metadata.uid: Invalid value: "${after.metadata?.uid}": field is immutable`, { name, kind, causes: [{ reason: "FieldValueInvalid", field: "metadata.uid" }] });
    return true;
  };

  const namespaceObject = (r: RecordedRequest, res: http.ServerResponse, name: string, dryRun: boolean) => {
    const verb = r.method === "GET" ? "get" : r.method === "PATCH" ? "patch" : r.method === "DELETE" ? "delete" : undefined;
    if (!verb) return status(res, 405, "MethodNotAllowed", "method not allowed");
    if (forbidden(verb, "namespaces")) return status(res, 403, "Forbidden", rbacMessage(verb, "namespaces"), { name, kind: "namespaces" });
    const ns = namespaces.get(name);
    if (!ns) return status(res, 404, "NotFound", `namespaces "${name}" not found`, { name, kind: "namespaces" });
    if (verb === "get") return json(res, 200, ns);
    if (verb === "delete") {
      const want = (r.body as { preconditions?: { uid?: string } } | undefined)?.preconditions?.uid;
      if (want && want !== ns.metadata?.uid) {
        return status(res, 409, "Conflict", `Operation cannot be fulfilled on namespaces "${name}": Precondition failed: UID in precondition: ${want}, UID in object meta: ${ns.metadata?.uid}`, { name, kind: "namespaces" });
      }
      // The namespace controller would empty it first; here it only goes Terminating.
      const terminating = { ...ns, metadata: { ...ns.metadata, deletionTimestamp: new Date().toISOString() }, status: { phase: "Terminating" } };
      if (!dryRun) namespaces.set(name, terminating);
      return json(res, 200, terminating);
    }
    const patched = applyPatch(ns, r);
    if (!patched.ok) return status(res, patched.code, patched.reason, patched.message);
    if (uidChanged(res, "Namespace", name, ns, patched.value as Namespace)) return;
    if (!dryRun) namespaces.set(name, patched.value as Namespace);
    return json(res, 200, patched.value);
  };

  const workloadRequest = (r: RecordedRequest, rest: string[]) => {
    const ns = rest[0] === "namespaces" ? decodeURIComponent(rest[1] ?? "") : undefined;
    const [plural, name] = ns === undefined ? rest : rest.slice(2);
    const kind = plural === "deployments" ? "Deployment" : plural === "statefulsets" ? "StatefulSet" : undefined;
    if (!kind || r.method === "DELETE") return false;
    return name === undefined || workloads.has(`${kind}/${ns}/${decodeURIComponent(name)}`);
  };

  const workloadRoute = (r: RecordedRequest, res: http.ServerResponse, rest: string[], dryRun: boolean) => {
    const ns = rest[0] === "namespaces" ? decodeURIComponent(rest[1]!) : undefined;
    const [plural, name, sub] = ns === undefined ? rest : rest.slice(2);
    const kind = plural === "deployments" ? "Deployment" : plural === "statefulsets" ? "StatefulSet" : undefined;
    if (!kind) return status(res, 404, "NotFound", "the server could not find the requested resource");
    if (!name && r.method === "GET") {
      if (forbidden("list", plural!)) return status(res, 403, "Forbidden", rbacMessage("list", plural!, ns), { kind: plural });
      const items = [...workloads.values()].filter((w) => w.kind === kind && (ns === undefined || w.metadata.namespace === ns));
      const others = [...objects.entries()].filter(([k]) => k.startsWith(`apps/${plural}/${ns === undefined ? "" : `${ns}/`}`)).map(([, o]) => o);
      return list(res, `${kind}List`, [...items, ...others] as never[], r.query);
    }
    const id = `${kind}/${ns}/${name}`;
    const stored = workloads.get(id);
    const resource = sub ? `${plural}/${sub}` : plural!;
    if (r.method !== "PATCH" && r.method !== "GET") return status(res, 405, "MethodNotAllowed", "method not allowed");
    const verb = r.method === "GET" ? "get" : "patch";
    if (forbidden(verb, resource)) return status(res, 403, "Forbidden", rbacMessage(verb, resource, ns), { name, kind: plural });
    if (!stored) return status(res, 404, "NotFound", `${plural}.apps "${name}" not found`, { name, kind: plural });
    if (sub === "scale") {
      const scale = { kind: "Scale", apiVersion: "autoscaling/v1", metadata: { name, namespace: ns, uid: stored.metadata.uid, resourceVersion: stored.metadata.resourceVersion ?? "1" }, spec: { replicas: stored.spec.replicas }, status: { replicas: stored.spec.replicas } };
      if (r.method === "GET") return json(res, 200, scale);
      const patched = applyPatch(scale, r);
      if (!patched.ok) return status(res, patched.code, patched.reason, patched.message);
      const next = patched.value as typeof scale;
      if (next.metadata?.uid && next.metadata.uid !== stored.metadata.uid) {
        return status(res, 409, "Conflict", `Operation cannot be fulfilled on ${plural}.apps "${name}": Precondition failed: UID in precondition: ${next.metadata.uid}, UID in object meta: ${stored.metadata.uid}`, { name, kind: plural });
      }
      if (!dryRun) stored.spec.replicas = next.spec.replicas;
      return json(res, 200, { ...scale, spec: { replicas: next.spec.replicas } });
    }
    if (r.method === "GET") return json(res, 200, stored);
    const patched = applyPatch(stored, r);
    if (!patched.ok) return status(res, patched.code, patched.reason, patched.message);
    if (uidChanged(res, kind, name!, stored, patched.value as Workload)) return;
    if (!dryRun) workloads.set(id, patched.value as Workload);
    return json(res, 200, patched.value);
  };

  const tls = options.tls ?? testCertificate();
  const authorized = (header: string | undefined) => {
    const bearer = header?.startsWith("Bearer ") ? header.slice(7) : undefined;
    return bearer !== undefined && (options.acceptToken ? options.acceptToken(bearer) : bearer === token);
  };
  const server = https.createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://fake");
      const text = Buffer.concat(chunks).toString("utf8");
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        return status(res, 400, "BadRequest", "request body is not JSON");
      }
      const recorded: RecordedRequest = { method: req.method ?? "GET", contentType: req.headers["content-type"], path: url.pathname, query: url.searchParams, body, at: Date.now() };
      requests.push(recorded);
      res.once("close", () => (recorded.doneAt = Date.now()));
      if (!authorized(req.headers.authorization)) return status(res, 401, "Unauthorized", "Unauthorized");
      const answer = () => {
        if (options.intercept?.(recorded, res)) return;
        route(recorded, res);
      };
      const delay = options.delayMs?.(recorded) ?? 0;
      if (delay > 0) setTimeout(answer, delay);
      else answer();
    });
  });

  const route = (r: RecordedRequest, res: http.ServerResponse) => {
    const parts = r.path.split("/").filter(Boolean);
    const dryRun = r.query.get("dryRun") === "All";
    if (r.method === "GET" && r.path === "/version") return json(res, 200, { major: "1", minor: "30", gitVersion: options.version ?? "v1.30.2-fake" });
    if (r.method === "GET" && r.path === "/apis/policy/v1") {
      if (!options.policyV1) return status(res, 404, "NotFound", "the server could not find the requested resource");
      return json(res, 200, { kind: "APIResourceList", groupVersion: "policy/v1", resources: [{ name: "poddisruptionbudgets", namespaced: true, kind: "PodDisruptionBudget" }] });
    }
    if (r.method === "GET" && r.path === "/api/v1/pods") {
      if (forbidden("list", "pods")) return status(res, 403, "Forbidden", rbacMessage("list", "pods"), { kind: "pods" });
      return list(res, "PodList", podFilter(r.query), r.query, r.path);
    }
    if (r.method === "GET" && r.path === "/api/v1/nodes") {
      if (forbidden("list", "nodes")) return status(res, 403, "Forbidden", rbacMessage("list", "nodes"), { kind: "nodes" });
      return list(res, "NodeList", [...nodes.values()], r.query, r.path);
    }
    if (r.method === "GET" && parts.length === 4 && r.path.startsWith("/api/v1/nodes/")) {
      if (forbidden("get", "nodes")) return status(res, 403, "Forbidden", rbacMessage("get", "nodes"), { kind: "nodes" });
      const node = nodes.get(decodeURIComponent(parts[3]!));
      return node ? json(res, 200, node) : status(res, 404, "NotFound", `nodes "${decodeURIComponent(parts[3]!)}" not found`, { name: parts[3], kind: "nodes" });
    }
    if (parts[0] === "api" && parts[2] === "namespaces" && parts.length === 4) return namespaceObject(r, res, decodeURIComponent(parts[3]!), dryRun);
    // /apis/apps/v1[/namespaces/{ns}]/{deployments|statefulsets}[/{name}[/scale]]
    // (Other apps/v1 kinds, deletes, and Deployments given as `objects` are served by the generic store below.)
    if (parts[0] === "apis" && parts[1] === "apps" && parts[2] === "v1" && workloadRequest(r, parts.slice(3))) return workloadRoute(r, res, parts.slice(3), dryRun);
    if (r.method === "GET" && r.path === "/api/v1/namespaces") {
      if (forbidden("list", "namespaces")) return status(res, 403, "Forbidden", rbacMessage("list", "namespaces"), { kind: "namespaces" });
      return list(res, "NamespaceList", [...namespaces.values()], r.query, r.path);
    }
    if (r.method === "POST" && r.path === "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews") {
      const attrs = (r.body as { spec?: { resourceAttributes?: { verb?: string; resource?: string; subresource?: string } } })?.spec?.resourceAttributes ?? {};
      const resource = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : (attrs.resource ?? "");
      const allowed = !forbidden(attrs.verb as Forbid["verb"], resource);
      return json(res, 201, { kind: "SelfSubjectAccessReview", apiVersion: "authorization.k8s.io/v1", spec: (r.body as { spec: unknown }).spec, status: { allowed } });
    }
    if (parts[0] === "apis" && parts[1] === "events.k8s.io" && parts[4] && parts[5] === "events" && r.method === "POST") {
      if (forbidden("create", "events")) return status(res, 403, "Forbidden", rbacMessage("create", "events", parts[4]), { kind: "events" });
      const name = (r.body as { metadata?: { name?: string } })?.metadata?.name;
      // As the API server validates it: a generateName is a name prefix (a trailing "-" is allowed).
      const prefix = String((r.body as { metadata?: { generateName?: string } })?.metadata?.generateName ?? "");
      if (name === undefined && (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?-?$/.test(prefix) || prefix.endsWith("."))) {
        return status(res, 422, "Invalid", `Event "${prefix}x" is invalid: metadata.generateName: Invalid value: "${prefix}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'`);
      }
      // As v1.20's validation does for an Event with eventTime set: about a cluster-scoped object
      // (no regarding.namespace) it must live in kube-system; otherwise in the object's namespace.
      const regarding = String((r.body as { regarding?: { namespace?: string } })?.regarding?.namespace ?? "");
      if (regarding ? regarding !== parts[4] : parts[4] !== "kube-system") {
        return status(res, 422, "Invalid", `Event "${prefix}x" is invalid: involvedObject.namespace: Invalid value: "${regarding}": does not match event.namespace`);
      }
      // A named Event is created once: the same name again is 409 AlreadyExists, in a dry run too
      // (the API server's dry-run storage checks for the key before answering).
      if (name !== undefined) {
        if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(name) || name.length > 253) {
          return status(res, 422, "Invalid", `Event "${name}" is invalid: metadata.name: Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'`);
        }
        if (events.some((e) => e.namespace === parts[4] && (e.body.metadata as { name?: string } | undefined)?.name === name)) {
          return status(res, 409, "AlreadyExists", `events.events.k8s.io "${name}" already exists`, { kind: "events", name });
        }
        if (dryRun) return json(res, 201, r.body);
      }
      events.push({ namespace: parts[4], body: r.body as Record<string, unknown> });
      return json(res, 201, r.body);
    }
    // /apis/coordination.k8s.io/v1/namespaces/{ns}/leases[/{name}]
    if (parts[0] === "apis" && parts[1] === "coordination.k8s.io" && parts[5] === "leases") {
      const ns = parts[4]!;
      const name = parts[6];
      const verb = r.method === "GET" ? "get" : r.method === "POST" ? "create" : "update";
      if (forbidden(verb, "leases")) return status(res, 403, "Forbidden", rbacMessage(verb, "leases", ns), { kind: "leases" });
      const stored = name ? leases.get(key(ns, name)) : undefined;
      if (r.method === "GET" && name) return stored ? json(res, 200, stored) : status(res, 404, "NotFound", `leases.coordination.k8s.io "${name}" not found`, { name, kind: "leases" });
      const body = r.body as { metadata?: { name?: string; resourceVersion?: string }; spec?: Record<string, unknown> };
      if (r.method === "POST") {
        const leaseName = body.metadata?.name ?? "";
        if (leases.has(key(ns, leaseName))) return status(res, 409, "AlreadyExists", `leases.coordination.k8s.io "${leaseName}" already exists`, { name: leaseName, kind: "leases" });
        const lease = { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: leaseName, namespace: ns, resourceVersion: String(++resourceVersion) }, spec: body.spec ?? {} };
        leases.set(key(ns, leaseName), lease);
        return json(res, 201, lease);
      }
      if (r.method === "PUT" && name) {
        if (!stored) return status(res, 404, "NotFound", `leases.coordination.k8s.io "${name}" not found`, { name, kind: "leases" });
        if (body.metadata?.resourceVersion !== stored.metadata.resourceVersion) {
          return status(res, 409, "Conflict", `Operation cannot be fulfilled on leases.coordination.k8s.io "${name}": the object has been modified; please apply your changes to the latest version and try again`, { name, kind: "leases" });
        }
        const lease = { ...stored, metadata: { ...stored.metadata, resourceVersion: String(++resourceVersion) }, spec: body.spec ?? {} };
        leases.set(key(ns, name), lease);
        return json(res, 200, lease);
      }
    }
    if (discovery(r, res, parts)) return;
    // /api/v1/namespaces/{ns}/pods/{name}:{port}/proxy/{path}
    if (parts[0] === "api" && parts[2] === "namespaces" && parts[4] === "pods" && parts[6] === "proxy") {
      const ns = decodeURIComponent(parts[3]!);
      const [name = "", port = ""] = decodeURIComponent(parts[5]!).split(":");
      if (forbidden("create", "pods/proxy")) return status(res, 403, "Forbidden", rbacMessage("create", "pods/proxy", ns), { name, kind: "pods" });
      const pod = pods.get(key(ns, name));
      if (!pod) return status(res, 404, "NotFound", `pods "${name}" not found`, { name, kind: "pods" });
      const path = parts.slice(7).map(decodeURIComponent).join("/");
      const code = options.proxy?.({ namespace: ns, pod: name, port, path, method: r.method }) ?? 200;
      if (code === 200) {
        // The sidecar listening on that port quits: the first non-main running container.
        const container = pod.status?.containerStatuses?.find((c) => c.state?.running && c.name !== "app");
        if (container) stopContainer(ns, name, container.name!);
      }
      res.writeHead(code, { "Content-Type": "text/plain" });
      return res.end(code === 200 ? "OK" : "error");
    }
    // /api/v1/namespaces/{ns}/pods[/{name}[/eviction]]
    if (parts[0] === "api" && parts[1] === "v1" && parts[2] === "namespaces" && parts[4] === "pods") {
      const ns = decodeURIComponent(parts[3]!);
      const name = parts[5] ? decodeURIComponent(parts[5]) : undefined;
      if (!name && r.method === "GET") {
        if (forbidden("list", "pods")) return status(res, 403, "Forbidden", rbacMessage("list", "pods", ns), { kind: "pods" });
        return list(res, "PodList", podFilter(r.query, ns), r.query, r.path);
      }
      if (name && !parts[6] && r.method === "GET") {
        if (forbidden("get", "pods")) return status(res, 403, "Forbidden", rbacMessage("get", "pods", ns), { name, kind: "pods" });
        const pod = pods.get(key(ns, name));
        return pod ? json(res, 200, pod) : status(res, 404, "NotFound", `pods "${name}" not found`, { name, kind: "pods" });
      }
      if (name && !parts[6] && r.method === "DELETE") {
        if (forbidden("delete", "pods")) return status(res, 403, "Forbidden", rbacMessage("delete", "pods", ns), { name, kind: "pods" });
        resourceVersion++;
        return deletePod(res, ns, name, body(r), dryRun);
      }
      if (name && parts[6] === "eviction" && r.method === "POST") {
        if (forbidden("create", "pods/eviction")) return status(res, 403, "Forbidden", rbacMessage("create", "pods/eviction", ns), { name, kind: "pods" });
        return evict(res, ns, name, body(r) as EvictionBody, dryRun);
      }
    }
    if (generic(r, res, parts, dryRun)) return;
    status(res, 404, "NotFound", "the server could not find the requested resource");
  };

  type EvictionBody = { apiVersion?: string; deleteOptions?: { preconditions?: { uid?: string; resourceVersion?: string }; dryRun?: string[] } };
  const body = (r: RecordedRequest) => r.body as { preconditions?: { uid?: string } } | undefined;

  const evict = (res: http.ServerResponse, ns: string, name: string, eviction: EvictionBody | undefined, dryRun: boolean) => {
    const served = options.policyV1 ? ["policy/v1", "policy/v1beta1"] : ["policy/v1beta1"];
    if (!eviction?.apiVersion || !served.includes(eviction.apiVersion)) {
      return status(res, 400, "BadRequest", `no kind "Eviction" is registered for version "${eviction?.apiVersion}" in scheme "k8s.io/kubernetes/pkg/api/legacyscheme/scheme.go:30"`);
    }
    const pod = pods.get(key(ns, name));
    if (!pod) return status(res, 404, "NotFound", `pods "${name}" not found`, { name, kind: "pods" });
    const dry = dryRun || (eviction.deleteOptions?.dryRun ?? []).includes("All");
    const budgets = (options.pdbs ?? []).filter((b) => b.namespace === ns && matchesSelector(parseSelector(b.selector), pod.metadata?.labels));
    if (budgets.length > 1) return status(res, 500, "InternalError", "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.");
    const budget = budgets[0];
    if (budget && budget.disruptionsAllowed <= 0) {
      return status(res, 429, "TooManyRequests", "Cannot evict pod as it would violate the pod's disruption budget.", {
        causes: [{ reason: "DisruptionBudget", message: `The disruption budget ${budget.name} needs 1 healthy pods and has 1 currently` }],
      });
    }
    if (budget && !dry) budget.disruptionsAllowed--;
    deletePod(res, ns, name, eviction.deleteOptions, dry);
  };

  // pods/exec: a WebSocket speaking the channel protocol (v5 or v4): byte 0 of each message is
  // the channel (1 stdout, 2 stderr, 3 the Status of the command).
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (offered) => (offered.has("v5.channel.k8s.io") ? "v5.channel.k8s.io" : offered.has("v4.channel.k8s.io") ? "v4.channel.k8s.io" : false) });
  const stopContainer = (ns: string, name: string, container: string) => {
    const pod = pods.get(key(ns, name));
    const cs = pod?.status?.containerStatuses?.find((c) => c.name === container);
    if (cs) cs.state = { terminated: { exitCode: 0, reason: "Completed", finishedAt: new Date().toISOString() } };
  };
  server.on("upgrade", (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? "/", "https://fake");
    requests.push({ method: "CONNECT", path: url.pathname, query: url.searchParams, body: undefined, at: Date.now() });
    const refuse = (code: number, reason: string, message: string) => {
      const body = JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", message, reason, code });
      socket.end(`HTTP/1.1 ${code} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    };
    if (!authorized(req.headers.authorization)) return refuse(401, "Unauthorized", "Unauthorized");
    const parts = url.pathname.split("/").filter(Boolean);
    if (!(parts[0] === "api" && parts[2] === "namespaces" && parts[4] === "pods" && parts[6] === "exec")) return refuse(404, "NotFound", "the server could not find the requested resource");
    const [ns, name] = [parts[3]!, parts[5]!];
    if (forbidden("create", "pods/exec")) return refuse(403, "Forbidden", rbacMessage("create", "pods/exec", ns));
    if (options.refuseExec) return refuse(options.refuseExec.code, "Forbidden", options.refuseExec.message);
    if (!pods.has(key(ns, name))) return refuse(404, "NotFound", `pods "${name}" not found`);
    const container = url.searchParams.get("container") ?? "";
    const command = url.searchParams.getAll("command");
    wss.handleUpgrade(req, socket, head, (ws) => {
      const behaviour = options.exec?.({ namespace: ns, pod: name, container, command }) ?? {};
      if (behaviour.hang) return;
      if (behaviour.stdout) ws.send(Buffer.concat([Buffer.from([1]), Buffer.from(behaviour.stdout)]));
      const exitCode = behaviour.exitCode ?? 0;
      if (exitCode === 0 && command[0] === "kill") stopContainer(ns, name, container);
      const status =
        exitCode === 0
          ? { metadata: {}, status: "Success" }
          : { metadata: {}, status: "Failure", message: `command terminated with non-zero exit code: exit status ${exitCode}`, reason: "NonZeroExitCode", details: { causes: [{ reason: "ExitCode", message: String(exitCode) }] } };
      ws.send(Buffer.concat([Buffer.from([3]), Buffer.from(JSON.stringify(status))]));
      ws.close();
    });
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    pods,
    objects,
    nodes,
    namespaces,
    workloads,
    leases,
    events,
    requests,
    expireNextContinue: () => {
      expireNext = true;
    },
    kubeconfig(withToken = token) {
      // Not named after the token: file names are printed (--log-level debug), tokens never.
      const file = join(tmp, `kubeconfig-${++kubeconfigs}`);
      writeFileSync(
        file,
        [
          "apiVersion: v1",
          "kind: Config",
          "clusters: [{name: fake, cluster: {server: " + JSON.stringify(url) + ", certificate-authority-data: " + Buffer.from(tls.cert).toString("base64") + "}}]",
          "users: [{name: tester, user: {token: " + JSON.stringify(withToken) + "}}]",
          "contexts: [{name: fake, context: {cluster: fake, user: tester}}]",
          "current-context: fake",
        ].join("\n"),
      );
      return file;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

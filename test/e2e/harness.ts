// The e2e harness: an admin client for the real API server, scenario builders, and a stand-in
// kubelet (there is none): it starts scheduled pods, drives their statuses, and finishes
// graceful deletions, which the API server leaves to a kubelet that never comes.
import https from "node:https";
import { readFileSync } from "node:fs";
import type { Pod, ContainerState } from "../../src/core/k8s.ts";

export interface E2eEnv {
  server: string;
  kubectl: string;
  kubeconfigs: { admin: string; readonly: string; nobody: string; sweeper: string };
}

export function e2eEnv(): E2eEnv {
  const need = (name: string) => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is not set: run the e2e tier with npm run test:e2e (it starts the control plane)`);
    return value;
  };
  return {
    server: need("KS_SERVER"),
    kubectl: need("KS_KUBECTL"),
    kubeconfigs: {
      admin: need("KS_ADMIN_KUBECONFIG"),
      readonly: need("KS_READONLY_KUBECONFIG"),
      nobody: need("KS_NOBODY_KUBECONFIG"),
      sweeper: need("KS_SWEEPER_KUBECONFIG"),
    },
  };
}

export class HttpError extends Error {
  readonly code: number;
  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
}

type Json = Record<string, unknown>;

export class Kube {
  readonly #agent: https.Agent;
  readonly #server: string;
  readonly #token: string;

  constructor(env: E2eEnv) {
    const state = process.env.KS_E2E_STATE!;
    this.#server = env.server;
    this.#token = process.env.KS_ADMIN_TOKEN!;
    this.#agent = new https.Agent({ keepAlive: true, ca: readFileSync(`${state}/ca.crt`) });
  }

  request<T = Json>(method: string, path: string, body?: unknown, contentType = "application/json"): Promise<T> {
    // Content-Length always: Node sends a DELETE body neither chunked nor sized otherwise, and the
    // server then reads it as the next request on the kept-alive connection.
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string | number> = { Authorization: `Bearer ${this.#token}`, Accept: "application/json" };
    if (payload) Object.assign(headers, { "Content-Type": contentType, "Content-Length": payload.length });
    return new Promise((resolve, reject) => {
      const req = https.request(
        new URL(this.#server + path),
        { method, agent: this.#agent, headers },
        (res) => {
          let text = "";
          res.on("data", (d: Buffer) => (text += d.toString()));
          res.on("end", () => {
            const code = res.statusCode ?? 0;
            if (code >= 200 && code < 300) return resolve(text ? (JSON.parse(text) as T) : (undefined as T));
            let message = text;
            try {
              message = (JSON.parse(text) as { message?: string }).message ?? text;
            } catch {
              // not a Status body
            }
            reject(new HttpError(code, `${method} ${path}: ${code} ${message}`));
          });
        },
      );
      req.on("error", reject);
      req.end(payload);
    });
  }

  get = <T = Json>(path: string) => this.request<T>("GET", path);
  create = <T = Json>(path: string, body: unknown) => this.request<T>("POST", path, body);
  mergePatch = <T = Json>(path: string, body: unknown) => this.request<T>("PATCH", path, body, "application/merge-patch+json");

  async exists(path: string): Promise<boolean> {
    try {
      await this.get(path);
      return true;
    } catch (error) {
      if (error instanceof HttpError && error.code === 404) return false;
      throw error;
    }
  }

  async pods(namespace: string): Promise<Pod[]> {
    return (await this.get<{ items: Pod[] }>(`/api/v1/namespaces/${namespace}/pods`)).items;
  }

  close(): void {
    this.#agent.destroy();
  }
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

let counter = 0;
/** A fresh namespace with its default service account (pods are rejected before it exists). */
export async function freshNamespace(kube: Kube, prefix: string, labels: Record<string, string> = {}): Promise<string> {
  const name = `${prefix}-${process.pid}-${++counter}`;
  await kube.create("/api/v1/namespaces", { metadata: { name, labels } });
  await waitFor(`service account default in ${name}`, () => kube.exists(`/api/v1/namespaces/${name}/serviceaccounts/default`));
  return name;
}

export async function ensureNode(kube: Kube, name: string, ready: "True" | "False" | "Unknown" = "True", since = new Date()): Promise<void> {
  if (!(await kube.exists(`/api/v1/nodes/${name}`))) {
    await kube.create("/api/v1/nodes", { metadata: { name, labels: { "kubernetes.io/hostname": name } } });
  }
  // The TaintNodesByCondition admission plugin adds the not-ready taint at creation; no
  // node-lifecycle controller runs here to lift it.
  await kube.mergePatch(`/api/v1/nodes/${name}`, { spec: { taints: null } });
  await setNodeReady(kube, name, ready, since);
}

export async function setNodeReady(kube: Kube, name: string, ready: "True" | "False" | "Unknown", since: Date): Promise<void> {
  const at = since.toISOString().replace(/\.\d{3}Z$/, "Z");
  await kube.mergePatch(`/api/v1/nodes/${name}/status`, {
    status: {
      capacity: { cpu: "32", memory: "128Gi", pods: "500" },
      allocatable: { cpu: "32", memory: "128Gi", pods: "500" },
      conditions: [{ type: "Ready", status: ready, reason: ready === "True" ? "KubeletReady" : "NodeStatusUnknown", lastHeartbeatTime: at, lastTransitionTime: at }],
    },
  });
}

export function podTemplate(app: string, extra: { nodeName?: string } = {}) {
  return {
    metadata: { labels: { app } },
    spec: {
      // No token mount: the ServiceAccount admission plugin would otherwise wait for a token secret.
      automountServiceAccountToken: false,
      terminationGracePeriodSeconds: 30,
      ...(extra.nodeName ? { nodeSelector: { "kubernetes.io/hostname": extra.nodeName } } : {}),
      containers: [{ name: "main", image: "registry.invalid/app:1" }],
    },
  };
}

export async function createDeployment(kube: Kube, ns: string, name: string, replicas: number, extra: { nodeName?: string } = {}): Promise<void> {
  await kube.create(`/apis/apps/v1/namespaces/${ns}/deployments`, {
    metadata: { name, labels: { app: name } },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: podTemplate(name, extra) },
  });
}

export async function createStatefulSet(kube: Kube, ns: string, name: string, replicas: number): Promise<void> {
  await kube.create(`/apis/apps/v1/namespaces/${ns}/statefulsets`, {
    metadata: { name, labels: { app: name } },
    spec: { replicas, serviceName: name, podManagementPolicy: "Parallel", selector: { matchLabels: { app: name } }, template: podTemplate(name) },
  });
}

export async function createDaemonSet(kube: Kube, ns: string, name: string): Promise<void> {
  await kube.create(`/apis/apps/v1/namespaces/${ns}/daemonsets`, {
    metadata: { name },
    spec: { selector: { matchLabels: { app: name } }, template: podTemplate(name) },
  });
}

export async function createBarePod(kube: Kube, ns: string, name: string, nodeName = "e2e-node-1"): Promise<void> {
  const template = podTemplate(name);
  await kube.create(`/api/v1/namespaces/${ns}/pods`, { metadata: { name, labels: template.metadata.labels }, spec: { ...template.spec, nodeName } });
}

/** Waits until `count` pods with app=<app> are scheduled and running (the stand-in kubelet starts them). */
export async function runningPods(kube: Kube, ns: string, app: string, count: number): Promise<Pod[]> {
  return waitFor(`${count} running pods of ${app} in ${ns}`, async () => {
    const pods = (await kube.pods(ns)).filter((p) => p.metadata?.labels?.app === app && !p.metadata?.deletionTimestamp && p.status?.phase === "Running");
    return pods.length === count ? pods.sort((a, b) => a.metadata!.name!.localeCompare(b.metadata!.name!)) : undefined;
  });
}

export interface StatusSpec {
  phase?: string;
  ready?: boolean;
  readySince?: Date;
  restarts?: number;
  state?: ContainerState;
  lastState?: ContainerState;
  reason?: string;
}

const nowIso = () => new Date().toISOString().replace(/\.\d{3}Z$/, "Z");

/** Sets a pod's status through the status subresource, as a kubelet would. */
export async function setPodStatus(kube: Kube, ns: string, name: string, spec: StatusSpec): Promise<void> {
  const ready = spec.ready ?? true;
  const since = (spec.readySince ?? new Date()).toISOString().replace(/\.\d{3}Z$/, "Z");
  await kube.mergePatch(`/api/v1/namespaces/${ns}/pods/${name}/status`, {
    status: {
      phase: spec.phase ?? "Running",
      ...(spec.reason ? { reason: spec.reason } : {}),
      conditions: [
        { type: "Ready", status: ready ? "True" : "False", lastTransitionTime: since },
        { type: "PodScheduled", status: "True", lastTransitionTime: since },
      ],
      containerStatuses: [
        {
          name: "main",
          image: "registry.invalid/app:1",
          imageID: "",
          ready,
          restartCount: spec.restarts ?? 0,
          state: spec.state ?? { running: { startedAt: nowIso() } },
          ...(spec.lastState ? { lastState: spec.lastState } : {}),
        },
      ],
    },
  });
}

export function terminatedState(exitCode: number, reason = exitCode === 0 ? "Completed" : "Error"): ContainerState {
  return { terminated: { exitCode, reason, startedAt: nowIso(), finishedAt: nowIso() } };
}

/**
 * The stand-in kubelet: every 200 ms, starts newly scheduled pods (Running, Ready) and finishes
 * graceful deletions with grace period 0 and the pod's uid as precondition.
 */
export function startKubelet(kube: Kube): { stop(): Promise<void> } {
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        const pods = (await kube.get<{ items: Pod[] }>("/api/v1/pods")).items;
        for (const pod of pods) {
          const { namespace, name, uid } = pod.metadata ?? {};
          if (!pod.spec?.nodeName) continue;
          if (pod.metadata?.deletionTimestamp) {
            await kube
              .request("DELETE", `/api/v1/namespaces/${namespace}/pods/${name}`, { gracePeriodSeconds: 0, preconditions: { uid } })
              .catch(() => undefined);
          } else if (pod.status?.phase === "Pending") {
            await setPodStatus(kube, namespace!, name!, { phase: "Running", ready: true }).catch(() => undefined);
          }
        }
      } catch {
        // The server may be restarting in a fault test; try again next tick.
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

/** A pod's fate on the server: gone, Terminating (deletionTimestamp set), or present with its uid. */
export async function podState(kube: Kube, ns: string, name: string): Promise<{ state: "gone" } | { state: "present" | "terminating"; uid: string }> {
  try {
    const pod = await kube.get<Pod>(`/api/v1/namespaces/${ns}/pods/${name}`);
    return { state: pod.metadata?.deletionTimestamp ? "terminating" : "present", uid: pod.metadata!.uid! };
  } catch (error) {
    if (error instanceof HttpError && error.code === 404) return { state: "gone" };
    throw error;
  }
}

/**
 * The common set-up of an e2e file: the environment, an admin client, a Ready node and the
 * stand-in kubelet, started before the file's tests and stopped after them.
 */
export function useCluster(hooks: { before: (fn: () => Promise<void>) => void; after: (fn: () => Promise<void>) => void }, nodes = ["e2e-node-1"]): { env: E2eEnv; kube: Kube } {
  const env = e2eEnv();
  const kube = new Kube(env);
  let kubelet: { stop(): Promise<void> } | undefined;
  hooks.before(async () => {
    for (const node of nodes) await ensureNode(kube, node);
    kubelet = startKubelet(kube);
  });
  hooks.after(async () => {
    await kubelet?.stop();
    kube.close();
  });
  return { env, kube };
}

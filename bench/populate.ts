// Fills the real API server with pods as a busy cluster has them: owned (by a ConfigMap, so the
// garbage collector keeps them and no controller replaces or deletes them), bound to Ready nodes
// that exist (the pod GC removes pods of unknown nodes; there is no kubelet), about 4 KB of JSON
// each (as the 40 MB for 10,000 pods), statuses written through the status subresource. A few per hundred crash-loop, failed,
// were OOM-killed, exited 1 or are unready: what the benchmark's policies look for.
import { Kube, ensureNode, waitFor } from "../test/e2e/harness.ts";
import { pool } from "./harness.ts";

export const NODES = 20;
const nodeName = (i: number) => `bench-node-${i % NODES}`;

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

export type Shape = "healthy" | "crash-looping" | "failed" | "oom-killed" | "exit-1" | "unready";

/** A fixed mix: about 6% of the pods are something a policy acts on. */
export function shapeOf(i: number): Shape {
  if (i % 50 === 7) return "crash-looping";
  if (i % 97 === 11) return "failed";
  if (i % 89 === 13) return "oom-killed";
  if (i % 83 === 17) return "exit-1";
  if (i % 71 === 19) return "unready";
  return "healthy";
}

function podBody(namespace: string, name: string, i: number, owner: { name: string; uid: string }) {
  const container = (cname: string, image: string, port: number) => ({
    name: cname,
    image,
    ports: [{ name: "http", containerPort: port, protocol: "TCP" }],
    env: [{ name: "LOG_LEVEL", value: "info" }],
    resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "256Mi" } },
    readinessProbe: { httpGet: { path: "/ready", port }, periodSeconds: 10 },
  });
  return {
    metadata: {
      name,
      labels: { app: `svc-${i % 40}`, team: `team-${i % 7}`, bench: "pods" },
      ownerReferences: [{ apiVersion: "v1", kind: "ConfigMap", name: owner.name, uid: owner.uid, controller: true }],
    },
    spec: {
      nodeName: nodeName(i),
      // No token volume: the service-account admission would otherwise wait for token Secrets.
      automountServiceAccountToken: false,
      containers: [container("app", `registry.example.com/team/svc-${i % 40}:1.${i % 9}.0`, 8080)],
    },
  };
}

function podStatus(shape: Shape, created: number) {
  const ago = (minutes: number) => iso(created - minutes * 60_000);
  const running = { running: { startedAt: ago(0) } };
  const readyNow = shape !== "unready" && shape !== "crash-looping";
  const condition = (type: string, status: boolean, at = ago(0)) => ({ type, status: status ? "True" : "False", lastProbeTime: null, lastTransitionTime: at });
  const app = {
    name: "app",
    ready: readyNow,
    restartCount: shape === "crash-looping" ? 7 : shape === "oom-killed" || shape === "exit-1" ? 1 : 0,
    image: "registry.example.com/team/app:1.0.0",
    imageID: "registry.example.com/team/app@sha256:4f2a7e1c9b8d6a5f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f",
    containerID: "containerd://0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c",
    started: readyNow,
    state: shape === "crash-looping" ? { waiting: { reason: "CrashLoopBackOff", message: "back-off 5m0s restarting failed container" } } : running,
    lastState:
      shape === "crash-looping" || shape === "exit-1"
        ? { terminated: { exitCode: 1, reason: "Error", startedAt: ago(0), finishedAt: ago(0) } }
        : shape === "oom-killed"
          ? { terminated: { exitCode: 137, reason: "OOMKilled", startedAt: ago(0), finishedAt: ago(0) } }
          : {},
  };
  if (shape === "failed") {
    return { phase: "Failed", reason: "Evicted", message: "The node was low on resource: memory.", startTime: ago(0) };
  }
  return {
    phase: "Running",
    // Unready for two hours: the unready policy's 30 minutes have long passed.
    conditions: [condition("Initialized", true), condition("Ready", readyNow, shape === "unready" ? iso(Date.now() - 2 * 3_600_000) : ago(0)), condition("ContainersReady", readyNow), condition("PodScheduled", true)],
    hostIP: "10.0.0.10",
    podIP: "10.244.1.23",
    podIPs: [{ ip: "10.244.1.23" }],
    startTime: ago(0),
    qosClass: "Burstable",
    containerStatuses: [app],
  };
}

export interface PopulateOptions {
  kube: Kube;
  namespaces: number;
  /** Pods wanted in all; those already there are kept. */
  pods: number;
  prefix?: string;
  shape?: (i: number) => Shape;
  log?: (line: string) => void;
}

async function namespaceReady(kube: Kube, ns: string): Promise<{ name: string; uid: string }> {
  if (!(await kube.exists(`/api/v1/namespaces/${ns}`))) await kube.create("/api/v1/namespaces", { metadata: { name: ns, labels: { bench: "pods" } } });
  await waitFor(`service account default in ${ns}`, () => kube.exists(`/api/v1/namespaces/${ns}/serviceaccounts/default`), 120_000);
  const path = `/api/v1/namespaces/${ns}/configmaps/bench-owner`;
  const owner = (await kube.exists(path)) ? await kube.get<{ metadata: { uid: string } }>(path) : await kube.create<{ metadata: { uid: string } }>(`/api/v1/namespaces/${ns}/configmaps`, { metadata: { name: "bench-owner" }, data: { owns: "bench pods" } });
  return { name: "bench-owner", uid: owner.metadata.uid };
}

/** Creates pods i = 0..pods-1 (spread round-robin over the namespaces) that do not exist yet. */
export async function populate({ kube, namespaces, pods, prefix = "bench", shape = shapeOf, log = () => {} }: PopulateOptions): Promise<void> {
  const started = Date.now();
  await pool(Array.from({ length: NODES }, (_, i) => nodeName(i)), 8, (node) => ensureNode(kube, node));
  const names = Array.from({ length: namespaces }, (_, i) => `${prefix}-${String(i).padStart(3, "0")}`);
  const owners = new Map<string, { name: string; uid: string }>();
  await pool(names, 16, async (ns) => owners.set(ns, await namespaceReady(kube, ns)));
  const existing = new Set<string>();
  for (const ns of names) for (const pod of await kube.pods(ns)) existing.add(`${ns}/${pod.metadata!.name}`);
  const wanted = Array.from({ length: pods }, (_, i) => i).filter((i) => !existing.has(`${names[i % namespaces]}/pod-${i}`));
  let done = 0;
  await pool(wanted, 48, async (i) => {
    const ns = names[i % namespaces]!;
    const name = `pod-${i}`;
    const created = await kube.create<{ metadata: { creationTimestamp: string } }>(`/api/v1/namespaces/${ns}/pods`, podBody(ns, name, i, owners.get(ns)!));
    await kube.mergePatch(`/api/v1/namespaces/${ns}/pods/${name}/status`, { status: podStatus(shape(i), Date.parse(created.metadata.creationTimestamp)) });
    if (++done % 5000 === 0) log(`created ${done} of ${wanted.length} pods`);
  });
  log(`${pods} pods in ${namespaces} namespaces (${wanted.length} created in ${((Date.now() - started) / 1000).toFixed(0)} s)`);
}

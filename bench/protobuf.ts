// The protobuf experiment (issue #19 item 3): the same pods listed page by page as JSON and as
// application/vnd.kubernetes.protobuf (what client-go and kubectl can ask for), the protobuf
// answer decoded only as far as the pod policies' fields. For each encoding it prints the API
// server's CPU seconds and the bytes it sent (bench/apiserver-cost.ts), the reader's own CPU and
// the wall clock, and checks that both readings give the same fields for every pod. It is a
// measurement, not the product: see README "Performance" for why the product stays on JSON.
// `npm run bench -- protobuf` alone (10,000 pods); also printed after the distance table.
import https from "node:https";
import { readFileSync } from "node:fs";
import { costBetween, costMeter, formatBytes, formatCpu, type ServerCost } from "./apiserver-cost.ts";
import { markdownTable, median } from "./harness.ts";

const state = process.env.KS_E2E_STATE!;
const server = process.env.KS_SERVER!;
const token = process.env.KS_ADMIN_TOKEN!;
const RUNS = Number(process.env.KS_BENCH_RUNS ?? 3);
const LIMIT = 500;
let agent: https.Agent | undefined;

/** What the pod policies read of a pod; both decoders must agree on it for every pod. */
interface PodFacts {
  namespace: string;
  name: string;
  uid: string;
  created: string;
  deleting: string;
  owners: string[];
  labels: string[];
  node: string;
  phase: string;
  reason: string;
  ready: string;
  containers: string[];
}

function get(path: string, accept: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    https
      .get(server + path, { agent, headers: { Authorization: `Bearer ${token}`, Accept: accept } }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks)) : reject(new Error(`HTTP ${res.statusCode} for ${path}`))));
        res.on("error", reject);
      })
      .on("error", reject);
  });
}

// --- JSON ---

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const containerJson = (c: Json) => {
  const w = c.state?.waiting;
  const t = c.state?.terminated;
  const last = c.lastState?.terminated;
  return [c.name, c.ready ?? false, c.restartCount ?? 0, w?.reason ?? "", t ? `${t.exitCode}/${t.reason ?? ""}` : "", last ? `${last.exitCode}/${last.reason ?? ""}` : ""].join(" ");
};

function factsFromJson(pod: Json): PodFacts {
  const m = pod.metadata ?? {};
  const ready = (pod.status?.conditions ?? []).find((c: Json) => c.type === "Ready");
  return {
    namespace: m.namespace ?? "",
    name: m.name ?? "",
    uid: m.uid ?? "",
    created: m.creationTimestamp ?? "",
    deleting: m.deletionTimestamp ?? "",
    owners: (m.ownerReferences ?? []).map((o: Json) => `${o.kind}/${o.name}/${o.controller ?? false}`),
    labels: Object.entries(m.labels ?? {}).map(([k, v]) => `${k}=${v}`),
    node: pod.spec?.nodeName ?? "",
    phase: pod.status?.phase ?? "",
    reason: pod.status?.reason ?? "",
    ready: ready ? `${ready.status} ${ready.lastTransitionTime ?? ""}` : "",
    containers: [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])].map(containerJson),
  };
}

async function readJson(): Promise<PodFacts[]> {
  const out: PodFacts[] = [];
  let next: string | undefined;
  do {
    const list = JSON.parse((await get(`/api/v1/pods?limit=${LIMIT}${next ? `&continue=${encodeURIComponent(next)}` : ""}`, "application/json")).toString("utf8")) as Json;
    for (const pod of list.items) out.push(factsFromJson(pod));
    next = list.metadata?.continue || undefined;
  } while (next);
  return out;
}

// --- protobuf: "k8s\0", then runtime.Unknown{raw = 2} holding a PodList{metadata = 1, items = 2} ---

/** Calls `field` for each field of the message in buf[start, end): varints as numbers, the rest as byte ranges. */
function eachField(buf: Buffer, start: number, end: number, field: (n: number, from: number, to: number, value: number) => void): void {
  let pos = start;
  while (pos < end) {
    let key = 0;
    let shift = 0;
    let b: number;
    do {
      b = buf[pos++]!;
      key += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b >= 0x80);
    const wire = key % 8;
    const n = Math.floor(key / 8);
    if (wire === 0) {
      // Varints: int32 fields may be negative (ten bytes, two's complement): keep the low 32 bits.
      let value = 0;
      let low = 0;
      shift = 0;
      do {
        b = buf[pos++]!;
        value += (b & 0x7f) * 2 ** shift;
        if (shift < 32) low |= (b & 0x7f) << shift;
        shift += 7;
      } while (b >= 0x80);
      field(n, -1, -1, shift > 35 ? low : value);
    } else if (wire === 2) {
      let length = 0;
      shift = 0;
      do {
        b = buf[pos++]!;
        length += (b & 0x7f) * 2 ** shift;
        shift += 7;
      } while (b >= 0x80);
      field(n, pos, pos + length, 0);
      pos += length;
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else throw new Error(`wire type ${wire} at ${pos}`);
  }
}

const text = (buf: Buffer, from: number, to: number) => buf.toString("utf8", from, to);

/** meta/v1 Time {seconds = 1, nanos = 2} as the API's JSON writes it (RFC 3339, whole seconds). */
function time(buf: Buffer, from: number, to: number): string {
  let seconds = 0;
  eachField(buf, from, to, (n, _a, _b, v) => {
    if (n === 1) seconds = v;
  });
  return new Date(seconds * 1000).toISOString().replace(".000Z", "Z");
}

function containerProto(buf: Buffer, from: number, to: number): string {
  let name = "";
  let ready = false;
  let restarts = 0;
  let waiting = "";
  let terminated = "";
  let last = "";
  const terminatedOf = (a: number, b: number) => {
    let code = 0;
    let reason = "";
    eachField(buf, a, b, (n, x, y, v) => {
      if (n === 1) code = v;
      else if (n === 3) reason = text(buf, x, y);
    });
    return `${code}/${reason}`;
  };
  // ContainerState {waiting = 1 {reason = 1}, running = 2, terminated = 3}
  const stateOf = (a: number, b: number, into: (w: string, t: string) => void) => {
    let w = "";
    let t = "";
    eachField(buf, a, b, (n, x, y) => {
      if (n === 1) eachField(buf, x, y, (k, p, q) => k === 1 && (w = text(buf, p, q)));
      else if (n === 3) t = terminatedOf(x, y);
    });
    into(w, t);
  };
  // ContainerStatus {name = 1, state = 2, lastState = 3, ready = 4, restartCount = 5}
  eachField(buf, from, to, (n, a, b, v) => {
    if (n === 1) name = text(buf, a, b);
    else if (n === 2) stateOf(a, b, (w, t) => ((waiting = w), (terminated = t)));
    else if (n === 3) stateOf(a, b, (_w, t) => (last = t));
    else if (n === 4) ready = v !== 0;
    else if (n === 5) restarts = v;
  });
  return [name, ready, restarts, waiting, terminated, last].join(" ");
}

function factsFromProto(buf: Buffer, from: number, to: number): PodFacts {
  const f: PodFacts = { namespace: "", name: "", uid: "", created: "", deleting: "", owners: [], labels: [], node: "", phase: "", reason: "", ready: "", containers: [] };
  const init: string[] = [];
  const main: string[] = [];
  eachField(buf, from, to, (part, a, b) => {
    if (part === 1) {
      // ObjectMeta {name = 1, namespace = 3, uid = 5, creationTimestamp = 8, deletionTimestamp = 9, labels = 11, ownerReferences = 13}
      eachField(buf, a, b, (n, x, y) => {
        if (n === 1) f.name = text(buf, x, y);
        else if (n === 3) f.namespace = text(buf, x, y);
        else if (n === 5) f.uid = text(buf, x, y);
        else if (n === 8) f.created = time(buf, x, y);
        else if (n === 9) f.deleting = time(buf, x, y);
        else if (n === 11) {
          let key = "";
          let value = "";
          eachField(buf, x, y, (k, p, q) => (k === 1 ? (key = text(buf, p, q)) : k === 2 && (value = text(buf, p, q))));
          f.labels.push(`${key}=${value}`);
        } else if (n === 13) {
          // OwnerReference {kind = 1, name = 3, uid = 4, apiVersion = 5, controller = 6}
          let kind = "";
          let name = "";
          let controller = false;
          eachField(buf, x, y, (k, p, q, v) => (k === 1 ? (kind = text(buf, p, q)) : k === 3 ? (name = text(buf, p, q)) : k === 6 && (controller = v !== 0)));
          f.owners.push(`${kind}/${name}/${controller}`);
        }
      });
    } else if (part === 2) {
      eachField(buf, a, b, (n, x, y) => n === 10 && (f.node = text(buf, x, y)));
    } else if (part === 3) {
      // PodStatus {phase = 1, conditions = 2, reason = 4, containerStatuses = 8, initContainerStatuses = 10}
      eachField(buf, a, b, (n, x, y) => {
        if (n === 1) f.phase = text(buf, x, y);
        else if (n === 4) f.reason = text(buf, x, y);
        else if (n === 8) main.push(containerProto(buf, x, y));
        else if (n === 10) init.push(containerProto(buf, x, y));
        else if (n === 2) {
          // PodCondition {type = 1, status = 2, lastTransitionTime = 4}
          let type = "";
          let status = "";
          let since = "";
          eachField(buf, x, y, (k, p, q) => (k === 1 ? (type = text(buf, p, q)) : k === 2 ? (status = text(buf, p, q)) : k === 4 && (since = time(buf, p, q))));
          if (type === "Ready") f.ready = `${status} ${since}`;
        }
      });
    }
  });
  f.containers = [...init, ...main];
  return f;
}

const MAGIC = Buffer.from("k8s\0", "latin1");

async function readProtobuf(): Promise<PodFacts[]> {
  const out: PodFacts[] = [];
  let next: string | undefined;
  do {
    const body = await get(`/api/v1/pods?limit=${LIMIT}${next ? `&continue=${encodeURIComponent(next)}` : ""}`, "application/vnd.kubernetes.protobuf");
    if (!body.subarray(0, 4).equals(MAGIC)) throw new Error("not a Kubernetes protobuf answer");
    let raw: [number, number] | undefined;
    eachField(body, 4, body.length, (n, a, b) => n === 2 && (raw = [a, b]));
    if (!raw) throw new Error("no raw PodList in the answer");
    next = undefined;
    eachField(body, raw[0], raw[1], (n, a, b) => {
      if (n === 2) out.push(factsFromProto(body, a, b));
      else if (n === 1) eachField(body, a, b, (k, p, q) => k === 3 && q > p && (next = text(body, p, q)));
    });
  } while (next);
  return out;
}

// --- the measurement ---

interface Run {
  wallMs: number;
  clientCpuS: number;
  cost: ServerCost;
  pods: PodFacts[];
}



async function measured(read: () => Promise<PodFacts[]>): Promise<Run> {
  const meter = costMeter(state, server, token);
  const before = await meter.start();
  const cpu = process.cpuUsage();
  const start = performance.now();
  const pods = await read();
  const wallMs = performance.now() - start;
  const used = process.cpuUsage(cpu);
  const cost = costBetween(before, await meter.stop());
  return { wallMs, clientCpuS: (used.user + used.system) / 1e6, cost, pods };
}

export async function protobufBenchmark(): Promise<string> {
  agent = new https.Agent({ keepAlive: true, ca: readFileSync(`${state}/ca.crt`) });
  try {
    return await compareEncodings();
  } finally {
    agent.destroy();
  }
}

async function compareEncodings(): Promise<string> {
  const runs: Record<"json" | "protobuf", Run[]> = { json: [], protobuf: [] };
  // Alternating, so both see the same machine; the first of each warms the connection and the JIT.
  await readJson();
  await readProtobuf();
  for (let i = 0; i < RUNS; i++) {
    runs.json.push(await measured(readJson));
    runs.protobuf.push(await measured(readProtobuf));
  }
  const a = runs.json.at(-1)!.pods;
  const b = runs.protobuf.at(-1)!.pods;
  const differing = a.filter((pod, i) => JSON.stringify(pod) !== JSON.stringify(b[i]));
  if (a.length !== b.length || differing.length > 0) {
    throw new Error(`protobuf and JSON disagree: ${a.length} vs ${b.length} pods, ${differing.length} differ, e.g. ${JSON.stringify(differing[0])} vs ${JSON.stringify(b[a.indexOf(differing[0]!)])}`);
  }
  const row = (name: string, list: Run[]) => [
    name,
    `${(median(list.map((r) => r.wallMs)) / 1000).toFixed(2)} s`,
    formatCpu(median(list.map((r) => r.clientCpuS))),
    formatCpu(median(list.map((r) => r.cost.apiserverCpuS))),
    formatCpu(median(list.map((r) => r.cost.etcdCpuS))),
    formatBytes(median(list.map((r) => r.cost.podListBytes))),
  ];
  const ratio = (field: (r: Run) => number) => (median(runs.protobuf.map(field)) / median(runs.json.map(field))).toFixed(2);
  return [
    `Protobuf experiment: ${a.length.toLocaleString("en")} pods listed page by page (limit ${LIMIT}), decoded to the fields the pod policies read; median of ${RUNS} runs`,
    markdownTable(["encoding", "wall", "reader CPU", "API server CPU", "etcd CPU", "pod LIST bytes sent"], [row("JSON (JSON.parse of each page)", runs.json), row("protobuf (fields decoded as needed)", runs.protobuf)]),
    `protobuf / JSON: wall ${ratio((r) => r.wallMs)}, reader CPU ${ratio((r) => r.clientCpuS)}, API server CPU ${ratio((r) => r.cost.apiserverCpuS)}, bytes ${ratio((r) => r.cost.podListBytes)}; the same fields for all ${a.length} pods`,
  ].join("\n");
}

if (import.meta.main) {
  const { Kube, e2eEnv } = await import("../test/e2e/harness.ts");
  const { populate } = await import("./populate.ts");
  const kube = new Kube(e2eEnv());
  try {
    await populate({ kube, namespaces: 100, pods: 10_000, log: (line) => process.stderr.write(`[bench] ${line}\n`) });
  } finally {
    kube.close();
  }
  console.log(await protobufBenchmark());
}

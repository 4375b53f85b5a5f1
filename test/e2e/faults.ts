// Faults for the real-cluster tier: stopping and starting the real API server, pausing etcd, a
// small HTTPS proxy in front of the API server that injects 429/500/resets/slow answers, and
// the API server's audit log as the server-side record of what was really done.
import https from "node:https";
import { spawn } from "node:child_process";
import { openSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { testCertificate } from "../helpers/tls.ts";

const state = () => process.env.KS_E2E_STATE!;
const pidOf = (name: string) => Number(readFileSync(join(state(), `${name}.pid`), "utf8").trim());
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * SIGTERM: the API server stops accepting connections and finishes the requests in flight (each
 * audited before it is answered). It then waits up to a minute for watches to end; those belong to
 * the controllers, so after a grace period it is killed.
 */
export async function stopApiServer(): Promise<void> {
  const pid = pidOf("kube-apiserver");
  process.kill(pid, "SIGTERM");
  for (let i = 0; i < 100 && (await readyz()) !== 0; i++) await sleep(100);
  await sleep(3000);
  if (alive(pid)) process.kill(pid, "SIGKILL");
  for (let i = 0; i < 100 && alive(pid); i++) await sleep(100);
  if (alive(pid)) throw new Error("kube-apiserver did not stop");
}

export async function startApiServer(): Promise<void> {
  const log = openSync(join(state(), "logs", "kube-apiserver.log"), "a");
  const child = spawn("bash", [join(state(), "kube-apiserver.sh")], { detached: true, stdio: ["ignore", log, log] });
  child.unref();
  writeFileSync(join(state(), "kube-apiserver.pid"), String(child.pid));
  await waitReady(90_000);
}

export async function waitReady(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await readyz()) === 200) return;
    await sleep(250);
  }
  throw new Error("kube-apiserver not ready");
}

function readyz(): Promise<number> {
  return new Promise((resolve) => {
    const req = https.request(`${process.env.KS_SERVER}/readyz`, { ca: readFileSync(join(state(), "ca.crt")), headers: { Authorization: `Bearer ${process.env.KS_ADMIN_TOKEN}` }, agent: false, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", () => resolve(0));
    req.on("timeout", () => req.destroy());
    req.end();
  });
}

/** etcd stops answering (SIGSTOP) for a while, then carries on. */
export async function pauseEtcd(ms: number): Promise<void> {
  const pid = pidOf("etcd");
  process.kill(pid, "SIGSTOP");
  try {
    await sleep(ms);
  } finally {
    process.kill(pid, "SIGCONT");
  }
}

export interface AuditedWrite {
  verb: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  code: number;
}

/** Completed writes from the API server's audit log, optionally in one namespace. */
export function auditedWrites(namespace?: string): AuditedWrite[] {
  const file = join(state(), "audit.log");
  if (!existsSync(file)) return [];
  const out: AuditedWrite[] = [];
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (!line) continue;
    const event = JSON.parse(line) as { stage: string; verb: string; objectRef?: { resource?: string; subresource?: string; namespace?: string; name?: string }; responseStatus?: { code?: number } };
    if (event.stage !== "ResponseComplete" || !event.objectRef) continue;
    if (namespace !== undefined && event.objectRef.namespace !== namespace) continue;
    out.push({ verb: event.verb, resource: event.objectRef.resource ?? "", subresource: event.objectRef.subresource, namespace: event.objectRef.namespace, name: event.objectRef.name, code: event.responseStatus?.code ?? 0 });
  }
  return out;
}

export type Fault = "429" | "500" | "reset-before" | "reset-after" | "slow";

export interface FaultProxy {
  url: string;
  /** A kubeconfig for the proxy, with the admin token passed through. */
  kubeconfig: string;
  injected: { fault: Fault; method: string; path: string }[];
  close(): Promise<void>;
}

/**
 * An HTTPS proxy in front of the real API server. `choose` picks the fault for each request (or
 * none). reset-after forwards the request, lets the server apply it, and drops the answer.
 */
export async function startFaultProxy(choose: (method: string, path: string) => Fault | undefined, slowMs = 3000): Promise<FaultProxy> {
  const tls = testCertificate();
  const upstream = new URL(process.env.KS_SERVER!);
  const ca = readFileSync(join(state(), "ca.crt"));
  const agent = new https.Agent({ ca, keepAlive: true });
  const injected: FaultProxy["injected"] = [];
  const server = https.createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const method = req.method ?? "GET";
      const path = req.url ?? "/";
      const fault = choose(method, path.split("?")[0]!);
      if (fault) injected.push({ fault, method, path });
      if (fault === "429") {
        res.writeHead(429, { "Content-Type": "application/json", "Retry-After": "1" });
        return res.end(JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", reason: "TooManyRequests", message: "Too many requests, please try again later.", code: 429 }));
      }
      if (fault === "500") {
        res.writeHead(500, { "Content-Type": "application/json" });
        return res.end(JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", reason: "InternalError", message: "injected: etcdserver: request timed out", code: 500 }));
      }
      if (fault === "reset-before") return req.socket.destroy();
      const forward = () => {
        const headers = { ...req.headers, host: upstream.host };
        const out = https.request({ hostname: upstream.hostname, port: upstream.port, method, path, headers, agent }, (answer) => {
          if (fault === "reset-after") {
            answer.resume();
            answer.on("end", () => req.socket.destroy());
            return;
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        });
        out.on("error", () => req.socket.destroy());
        out.end(Buffer.concat(chunks));
      };
      if (fault === "slow") setTimeout(forward, slowMs);
      else forward();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
  const kubeconfig = join(state(), `proxy-${Date.now()}.kubeconfig`);
  writeFileSync(
    kubeconfig,
    [
      "apiVersion: v1",
      "kind: Config",
      `clusters: [{name: proxy, cluster: {server: "${url}", certificate-authority-data: ${Buffer.from(tls.cert).toString("base64")}}}]`,
      `users: [{name: admin, user: {token: "${process.env.KS_ADMIN_TOKEN}"}}]`,
      "contexts: [{name: proxy, context: {cluster: proxy, user: admin}}]",
      "current-context: proxy",
    ].join("\n"),
  );
  return {
    url,
    kubeconfig,
    injected,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
        agent.destroy();
      }),
  };
}

// What one reader costs the API server, from the server's side: the CPU seconds its process (and
// etcd's) used while the reader ran, from /proc/<pid>/stat (utime + stime), and the bytes of the
// pod LIST answers it sent, from its own apiserver_response_sizes_sum (counted as written to the
// connection, so after gzip when a client asks for it). CPU counts everything the server did
// meanwhile (the controllers' requests too), so compare readers measured the same way.
import https from "node:https";
import { readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";

export interface ServerCost {
  /** kube-apiserver's CPU seconds (user + system). */
  apiserverCpuS: number;
  /** etcd's CPU seconds (user + system). */
  etcdCpuS: number;
  /** Bytes of pod LIST answers (every scope and version). */
  podListBytes: number;
}

const ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;

/** utime + stime of a process, in seconds. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name (2nd field) is in parentheses and may hold spaces: count from after it.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

export interface CostMeter {
  /** The server's counters before a run: the metrics request's own cost falls before the CPU reading. */
  start(): Promise<ServerCost>;
  /** The server's counters after a run: the CPU is read before the metrics request. */
  stop(): Promise<ServerCost>;
}

/** Reads the control plane that $KS_E2E_STATE describes (pid files, CA, admin token). */
export function costMeter(state: string, server: string, token: string): CostMeter {
  const pid = (name: string) => Number(readFileSync(`${state}/${name}.pid`, "utf8").trim());
  const ca = readFileSync(`${state}/ca.crt`);
  const listBytes = async () => {
    const text = await new Promise<string>((resolve, reject) => {
      https
        .get(`${server}/metrics`, { headers: { Authorization: `Bearer ${token}` }, ca }, (res) => {
          let body = "";
          res.on("data", (d: Buffer) => (body += d.toString()));
          res.on("end", () => resolve(body));
        })
        .on("error", reject);
    });
    let bytes = 0;
    for (const line of text.split("\n")) {
      const match = /^apiserver_response_sizes_sum\{(.*)\} (\S+)$/.exec(line);
      if (match && match[1]!.includes('resource="pods"') && match[1]!.includes('verb="LIST"') && match[1]!.includes('subresource=""')) bytes += Number(match[2]);
    }
    return bytes;
  };
  const cpu = () => ({ apiserverCpuS: cpuSeconds(pid("kube-apiserver")), etcdCpuS: cpuSeconds(pid("etcd")) });
  return {
    async start() {
      const podListBytes = await listBytes();
      return { ...cpu(), podListBytes };
    },
    async stop() {
      const spent = cpu();
      return { ...spent, podListBytes: await listBytes() };
    },
  };
}

/** What the server spent between two readings. */
export function costBetween(before: ServerCost, after: ServerCost): ServerCost {
  return { apiserverCpuS: after.apiserverCpuS - before.apiserverCpuS, etcdCpuS: after.etcdCpuS - before.etcdCpuS, podListBytes: after.podListBytes - before.podListBytes };
}

export const formatCpu = (seconds: number) => `${seconds.toFixed(2)} s`;
export const formatBytes = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;

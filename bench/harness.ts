// What every benchmark uses: a command run under /usr/bin/time (GNU time: peak RSS and CPU time of
// the whole process; the wall clock is taken here, as GNU time's has 10 ms steps), medians of
// repeated runs, a bounded pool, a Markdown table.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Sample {
  wallMs: number;
  peakRssMb: number;
  /** User + system CPU time of the process and its children (10 ms steps). */
  cpuMs: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

const scratch = mkdtempSync(join(tmpdir(), "ks-bench-"));
let counter = 0;

export function measure(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Sample> {
  const out = join(scratch, `time-${counter++}`);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn("/usr/bin/time", ["-f", "%U %S %M", "-o", out, command, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    const stdout: Buffer[] = [];
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => stdout.push(d));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    let wallMs = 0;
    child.on("exit", () => (wallMs = performance.now() - started));
    child.on("close", (code) => {
      const [user, system, rssKb] = readFileSync(out, "utf8").trim().split("\n").at(-1)!.split(" ");
      resolve({ wallMs, peakRssMb: Number(rssKb) / 1024, cpuMs: (Number(user) + Number(system)) * 1000, code, stdout: Buffer.concat(stdout).toString(), stderr });
    });
  });
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export async function repeated(runs: number, once: () => Promise<Sample>): Promise<{ wallMs: number; peakRssMb: number; cpuMs: number; samples: Sample[] }> {
  const samples: Sample[] = [];
  for (let i = 0; i < runs; i++) samples.push(await once());
  return { wallMs: median(samples.map((s) => s.wallMs)), peakRssMb: median(samples.map((s) => s.peakRssMb)), cpuMs: median(samples.map((s) => s.cpuMs)), samples };
}

/** A fixed-width table for the terminal and the README. */
export function markdownTable(head: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(" | ")} |`;
  return [line(head), line(head.map(() => "---")), ...rows.map(line)].join("\n");
}

export async function pool<T>(items: T[], width: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

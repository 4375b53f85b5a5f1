// Runs the built CLI as a child process, exactly as a user (or the container image) would.
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const CLI = new URL("../../dist/main.mjs", import.meta.url).pathname;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Called once the child is running, e.g. to send it a signal. */
  onSpawn?: (child: ReturnType<typeof spawn>) => void;
  timeoutMs?: number;
}

// One compile cache for the runs of a test file (the CLI keeps one under XDG_CACHE_HOME), rather
// than one in every private HOME.
const cacheHome = mkdtempSync(join(tmpdir(), "ks-cache-"));

/** A clean environment: no kubeconfig, no seed variables, a private HOME. */
export function baseEnv(): Record<string, string> {
  return { PATH: process.env.PATH ?? "", HOME: mkdtempSync(join(tmpdir(), "ks-home-")), XDG_CACHE_HOME: cacheHome };
}

export function runCli(args: string[], options: RunOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env = Object.fromEntries(Object.entries({ ...baseEnv(), ...options.env }).filter(([, v]) => v !== undefined)) as Record<string, string>;
    const child = spawn(process.execPath, [CLI, ...args], { env, cwd: options.cwd ?? mkdtempSync(join(tmpdir(), "ks-cwd-")) });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 30_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    options.onSpawn?.(child);
  });
}

export function writeConfig(yaml: string): string {
  const file = join(mkdtempSync(join(tmpdir(), "ks-config-")), "kube-sweeper.yaml");
  writeFileSync(file, yaml);
  return file;
}

/** No line of the output may look like a stack frame. */
export function hasStackTrace(text: string): boolean {
  return /^\s+at .+(:\d+:\d+\)?|\(node:)/m.test(text);
}

// The process entry: real I/O in, exit code out. `--version` answers before the rest of the CLI
// (a separate chunk of the bundle) is even loaded: it is what scripts and health checks call.
import { basename, join } from "node:path";
import { VERSION } from "./version.ts";

/**
 * V8 sizes its young generation from the machine's memory (up to 64 MB on a large one), and a
 * sweep or a long read touches all of it although little survives each collection: a 2,000-pod
 * sweep peaked at 130-160 MB of RSS with 20 MB live. Once the young generation has reached 16 MB
 * it stops growing. Its growth factor is the one young-generation setting V8 reads while running
 * (the maximum is fixed at start, and the CLI is started without flags).
 */
function capYoungGeneration(): void {
  const { PerformanceObserver } = process.getBuiltinModule("node:perf_hooks");
  const observer = new PerformanceObserver(() => {
    // A tuning, never a reason to fail: anything thrown here (process.memoryUsage reads
    // /proc/self, absent in a chroot or a minimal sandbox) only turns it off.
    try {
      // node:v8 takes a few ms to load: not before the heap is big enough to hold 16 MB of young generation.
      if (process.memoryUsage().heapTotal < 24 * 2 ** 20) return;
      const v8 = process.getBuiltinModule("node:v8");
      const young = v8.getHeapSpaceStatistics().find((space) => space.space_name === "new_space");
      if (!young || young.space_size < 16 * 2 ** 20) return;
      v8.setFlagsFromString("--semi-space-growth-factor=1");
    } catch {
      // fall through to disconnect
    }
    observer.disconnect();
  });
  observer.observe({ entryTypes: ["gc"] });
}

/**
 * Node's compile cache keeps V8's compiled code of the CLI's chunks between runs, so a start-up
 * does not compile them again. In the user's own cache directory: never a shared one such as
 * /tmp, where another user could plant code. Best effort: a directory that cannot be made (a
 * read-only root, no HOME) leaves it off; on a full disk Node drops what it cannot write; the
 * run's outcome never depends on it. NODE_COMPILE_CACHE or NODE_DISABLE_COMPILE_CACHE, when set,
 * are Node's own settings and decide alone.
 */
function enableCompileCache(env: NodeJS.ProcessEnv): void {
  if (env.NODE_COMPILE_CACHE !== undefined || env.NODE_DISABLE_COMPILE_CACHE !== undefined) return;
  const base = env.XDG_CACHE_HOME || (env.HOME ? join(env.HOME, ".cache") : undefined);
  if (!base?.startsWith("/")) return;
  try {
    process.getBuiltinModule("node:module").enableCompileCache?.(join(base, "kube-sweeper", "compile-cache"));
  } catch {
    // Node reports what it could not do in its return value; anything thrown is ignored alike.
  }
}

// kubectl runs a plugin by its file name: help and errors then say `kubectl sweeper ...`.
const programName = basename(process.argv[1] ?? "").startsWith("kubectl-sweeper") ? "kubectl sweeper" : "kube-sweeper";

const argv = process.argv.slice(2);
if (argv.length === 1 && argv[0] === "--version") {
  process.stdout.write(`${VERSION}\n`);
} else {
  // A reader that went away (`| head`, a failing jq) makes writes to stdout fail with EPIPE, as
  // an 'error' event that would otherwise crash the run after it acted, with the lock still held.
  // The run goes on; the report is lost, so its outcome is said on stderr at the end.
  let stdoutClosed: string | undefined;
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    stdoutClosed ??= error.code ?? error.message;
  });
  // With stderr gone too there is nowhere left to say anything: the exit code is all that remains.
  process.stderr.on("error", () => undefined);
  enableCompileCache(process.env);
  capYoungGeneration();
  const { main, exitMeaning } = await import("./cli.ts");
  const code = await main(argv, {
    stdout: (text) => {
      if (!stdoutClosed) process.stdout.write(text);
    },
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    stdoutIsTTY: process.stdout.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
    programName,
  });
  // The error event of the last write arrives on a later tick.
  await new Promise((resolve) => setImmediate(resolve));
  if (stdoutClosed) process.stderr.write(`kube-sweeper: stdout was closed (${stdoutClosed}) before the output was delivered: the report was not delivered; exit code ${code} (${exitMeaning(code)})\n`);
  process.exitCode = code;
}

// The process entry: real I/O in, exit code out. `--version` answers before the rest of the CLI
// (a separate chunk of the bundle) is even loaded: it is what scripts and health checks call.
import { basename } from "node:path";
import { VERSION } from "./version.ts";

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

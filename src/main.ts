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
  const { main } = await import("./cli.ts");
  process.exitCode = await main(argv, {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    stdoutIsTTY: process.stdout.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
    programName,
  });
}

// The process entry: real I/O in, exit code out. `--version` answers before the rest of the CLI
// (a separate chunk of the bundle) is even loaded: it is what scripts and health checks call.
import { VERSION } from "./version.ts";

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
  });
}

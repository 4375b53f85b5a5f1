// `npm run bench`: every benchmark, one table after another (README "Performance" holds a copy).
import { cpus, totalmem } from "node:os";
import { imagesBenchmark } from "./images.ts";
import { podsBenchmark } from "./pods.ts";
import { regexBenchmark } from "./regex.ts";
import { snapshotBenchmark } from "./snapshot.ts";
import { resourcesBenchmark } from "./resources.ts";
import { serverCpuBenchmark } from "./server-cpu.ts";

const machine = `${cpus().length} × ${cpus()[0]?.model ?? "CPU"}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}, kube-apiserver v1.20.2 (real-cluster tier)`;
const sections = [`machine: ${machine}`, await podsBenchmark(), await serverCpuBenchmark(), await imagesBenchmark(), await snapshotBenchmark(), await regexBenchmark(), await resourcesBenchmark()];
console.log(sections.join("\n\n"));

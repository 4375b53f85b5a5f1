// Writes examples/cluster-snapshot.json: a small cluster in `kubectl get pods,nodes,namespaces
// -A -o json` form, with the kinds of trouble the example config looks for.
import { writeFileSync } from "node:fs";
import { asList, buildNamespace, buildNode, buildPod, hours, minutes, terminated, waiting } from "../test/fixtures/builders.ts";

const items = [
  buildNamespace("kube-system"),
  buildNamespace("apps", { team: "payments" }),
  buildNamespace("batch", { team: "data" }),
  buildNamespace("legacy", { team: "payments" }, { "kube-sweeper.io/protect": "true" }),
  buildNode("node-1"),
  buildNode("node-2"),
  buildNode("node-3", "Unknown", minutes(45)),
  buildPod({ name: "worker-7c9d-abcde", age: hours(5), restarts: 14, state: waiting("CrashLoopBackOff"), lastState: terminated(1), ready: false, readyFor: hours(4) }, (p) => {
    p.metadata!.ownerReferences![0]!.name = "worker-7c9d";
  }),
  buildPod({ name: "worker-7c9d-fghij", age: hours(4), restarts: 9, state: waiting("CrashLoopBackOff"), lastState: terminated(1), ready: false, readyFor: hours(3) }, (p) => {
    p.metadata!.ownerReferences![0]!.name = "worker-7c9d";
  }),
  buildPod({ name: "worker-7c9d-klmno", age: hours(3), restarts: 0 }, (p) => {
    p.metadata!.ownerReferences![0]!.name = "worker-7c9d";
  }),
  buildPod({ name: "api-5f6b-qrstu", age: hours(30), restarts: 3, lastState: terminated(137, "OOMKilled") }, (p) => {
    p.metadata!.ownerReferences![0]!.name = "api-5f6b";
  }),
  buildPod({ name: "api-5f6b-vwxyz", age: minutes(3), restarts: 1, lastState: terminated(137, "OOMKilled") }, (p) => {
    p.metadata!.ownerReferences![0]!.name = "api-5f6b";
  }),
  buildPod({ name: "cache-0", age: hours(50), node: "node-3", ready: false, readyFor: minutes(40), owner: { kind: "StatefulSet", name: "cache" } }),
  buildPod({ name: "report-28811520-p8k2q", namespace: "batch", age: hours(26), phase: "Failed", ready: false, owner: { kind: "Job", name: "report-28811520" }, state: terminated(2) }),
  buildPod({ name: "report-28811580-x7d4w", namespace: "batch", age: hours(2), phase: "Succeeded", ready: false, owner: { kind: "Job", name: "report-28811580" }, state: terminated(0) }),
  buildPod({ name: "debug-shell", namespace: "apps", age: hours(72), owner: null, restarts: 2, lastState: terminated(137, "OOMKilled") }),
  buildPod({ name: "billing-6d7f-aaaaa", namespace: "legacy", age: hours(10), restarts: 40, state: waiting("CrashLoopBackOff"), ready: false }),
  buildPod({ name: "coredns-5d78c9869d-zz9xq", namespace: "kube-system", age: hours(200), restarts: 6, state: waiting("CrashLoopBackOff"), lastState: terminated(1) }),
  buildPod({ name: "node-exporter-h2k4p", namespace: "apps", age: hours(100), restarts: 5, lastState: terminated(137, "OOMKilled"), owner: { kind: "DaemonSet", name: "node-exporter" } }),
];
writeFileSync(new URL("../examples/cluster-snapshot.json", import.meta.url), `${JSON.stringify(asList(items), null, 2)}\n`);

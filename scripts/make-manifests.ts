// Regenerates manifests/ from the example configs with the manifests command itself, so the
// committed, kustomize-ready files never drift from what the tool prints (a test checks it).
import { writeFileSync } from "node:fs";
import { main } from "../src/cli.ts";

export const VARIANTS = [
  { dir: "cluster-wide", args: ["manifests", "-c", "examples/kube-sweeper.yaml"] },
  { dir: "namespace-scoped", args: ["manifests", "-c", "examples/namespace-scoped.yaml", "--namespace-scoped", "-n", "apps"] },
];

// A fixed clock keeps the "next runs" comment stable between regenerations.
export const FIXED_NOW = "2026-01-01T00:00:00Z";

export async function render(args: string[]): Promise<string> {
  let out = "";
  const code = await main([...args, "--image", "kube-sweeper:0.1.0", "--now", FIXED_NOW], {
    stdout: (t) => (out += t),
    stderr: (t) => process.stderr.write(t),
    env: {},
    stdoutIsTTY: false,
    stderrIsTTY: false,
  });
  if (code !== 0) throw new Error(`kube-sweeper ${args.join(" ")} exited ${code}`);
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const v of VARIANTS) {
    writeFileSync(`manifests/${v.dir}/kube-sweeper.yaml`, await render(v.args));
    writeFileSync(`manifests/${v.dir}/kustomization.yaml`, "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - kube-sweeper.yaml\n");
  }
}

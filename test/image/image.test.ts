// The fast tier's checks of the image: the Dockerfile's structure, and the built CLI run exactly
// as the image's entrypoint runs it (only dist/ and package.json, no node_modules), including a
// sweep through the Kubernetes client and SIGTERM. The image itself is built and run against a
// real control plane by the image tier (test/image/build-and-run.sh, test/image/image.e2e.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startFakeApiServer } from "../fake-apiserver/server.ts";
import { buildPod, waiting } from "../fixtures/builders.ts";
import { baseEnv, writeConfig } from "../helpers/cli.ts";

const root = new URL("../../", import.meta.url).pathname;
const dockerfile = readFileSync(join(root, "Dockerfile"), "utf8");
const instructions = dockerfile.split("\n").filter((l) => l.trim() && !l.trim().startsWith("#"));
const stages = dockerfile.split(/^FROM /m).slice(1);

test("Dockerfile: multi-stage, every base image pinned to a version (no latest, no bare name)", () => {
  const froms = instructions.filter((l) => l.startsWith("FROM "));
  assert.ok(froms.length >= 2, "multi-stage");
  for (const from of froms) {
    const image = from.split(/\s+/)[1]!;
    if (image === "scratch") continue;
    assert.match(image, /:(\d+\.\d+\.\d+)[-\w.]*$|@sha256:[0-9a-f]{64}$/, `${image} is not pinned`);
    assert.doesNotMatch(image, /:latest$/);
  }
});

test("Dockerfile: the runtime stage is FROM scratch (distroless-style), runs as a numeric non-root user, with an exec-form entrypoint, and copies only the assembled root and dist/", () => {
  const runtime = stages.at(-1)!;
  assert.match(runtime, /^scratch\n/);
  const user = /^USER\s+(\S+)/m.exec(runtime)?.[1];
  assert.match(user ?? "", /^[1-9]\d*(:\d+)?$/, `USER ${user}`);
  const entrypoint = /^ENTRYPOINT\s+(.+)$/m.exec(runtime)?.[1] ?? "";
  assert.deepEqual(JSON.parse(entrypoint), ["/usr/local/bin/node", "/app/dist/main.mjs"]);
  const copies = runtime.split("\n").filter((l) => l.startsWith("COPY "));
  assert.deepEqual(copies.map((c) => c.split(/\s+/).at(-2)), ["/rootfs/", "/src/package.json", "/src/dist"]);
  assert.doesNotMatch(runtime, /node_modules|npm install|npm ci|^RUN /m, "the runtime stage installs nothing");
  assert.match(runtime, /^ENV .*HOME=\//m, "HOME set: os.homedir() throws without one");
});

test("Dockerfile and .dockerignore: no secrets baked in", () => {
  assert.doesNotMatch(dockerfile, /^(ENV|ARG)\s+\S*(SECRET|TOKEN|PASSWORD|KEY)\S*/im);
  assert.doesNotMatch(dockerfile, /\.npmrc|kubeconfig|\.kube\/|\.env\b/);
  const ignored = readFileSync(join(root, ".dockerignore"), "utf8").split("\n");
  for (const entry of ["node_modules", ".git", ".e2e"]) assert.ok(ignored.includes(entry), `.dockerignore lacks ${entry}`);
});

/** The image's /app: package.json and dist/, nothing else. */
function imageRoot(): string {
  const app = mkdtempSync(join(tmpdir(), "ks-image-"));
  cpSync(join(root, "dist"), join(app, "dist"), { recursive: true });
  cpSync(join(root, "package.json"), join(app, "package.json"));
  return app;
}

function entrypoint(app: string, args: string[], onSpawn?: (child: ReturnType<typeof spawn>) => void) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [join(app, "dist/main.mjs"), ...args], { cwd: app, env: { ...baseEnv(), NODE_ENV: "production", NODE_PATH: "" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    onSpawn?.(child);
  });
}

test("the entrypoint without node_modules: --version, plan over a snapshot, and a sweep through the Kubernetes client", async () => {
  const app = imageRoot();
  const version = await entrypoint(app, ["--version"]);
  assert.equal(version.stdout.trim(), JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version);
  const plan = await entrypoint(app, ["plan", "-o", "json", "--snapshot", join(root, "examples/cluster-snapshot.json"), "-c", join(root, "examples/kube-sweeper.yaml")]);
  assert.equal(plan.code, 0, plan.stderr);
  assert.ok(JSON.parse(plan.stdout).actions.length > 0);
  // Patterns load the linear-time engine, a file of its own in dist/: it must ship there too.
  const patterns = await entrypoint(app, ["validate", "-c", join(root, "examples/preview-namespaces.yaml")]);
  assert.equal(patterns.code, 0, patterns.stderr);

  const server = await startFakeApiServer({ pods: [buildPod({ name: "w-1", restarts: 5, state: waiting("CrashLoopBackOff") }), buildPod({ name: "w-2", restarts: 5, state: waiting("CrashLoopBackOff") })] });
  try {
    const config = writeConfig("policies: [{name: c, target: pods, when: {reasons: [CrashLoopBackOff]}, action: delete}]\n");
    const sweep = await entrypoint(app, ["sweep", "-o", "json", "-c", config, "--kubeconfig", server.kubeconfig(), "--wait", "0s", "--metrics-file", join(app, "m.prom")]);
    assert.equal(sweep.code, 0, sweep.stderr);
    assert.equal(server.pods.size, 0);

    server.pods.set("apps/w-3", buildPod({ name: "w-3", restarts: 5, state: waiting("CrashLoopBackOff") }));
    server.pods.set("apps/w-4", buildPod({ name: "w-4", restarts: 5, state: waiting("CrashLoopBackOff") }));
    let signalled = false;
    const interrupted = await entrypoint(app, ["sweep", "-o", "json", "-c", config, "--kubeconfig", server.kubeconfig(), "--wait", "30s"], (child) => {
      const poll = setInterval(() => {
        if (!signalled && server.pods.size === 1) {
          signalled = true;
          child.kill("SIGTERM");
        }
      }, 20);
      child.on("close", () => clearInterval(poll));
    });
    assert.equal(interrupted.code, 4, interrupted.stderr);
    assert.equal((JSON.parse(interrupted.stdout) as { interrupted?: string }).interrupted, "SIGTERM received");
    assert.equal(server.pods.size, 1);
  } finally {
    await server.close();
  }
});

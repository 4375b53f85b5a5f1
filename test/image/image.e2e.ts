// The built image, run for real against the real-cluster tier. No container runtime works in this
// sandbox, so the image is run the way a runtime would: its file system (buildah from + mount),
// entered with chroot as the image's numeric user, in its working directory, with its entrypoint
// and environment from the image config, and the credentials a pod gets (service-account token,
// CA and namespace under /var/run/secrets, KUBERNETES_SERVICE_HOST/PORT). Run by
// test/image/build-and-run.sh (npm run test:image), which builds the image and starts the cluster.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments, stringify } from "yaml";
import { createDeployment, freshNamespace, podState, runningPods, setPodStatus, terminatedState, useCluster, waitFor } from "../e2e/harness.ts";
import { runCli, writeConfig } from "../helpers/cli.ts";
import { parseReport } from "../helpers/report-shape.ts";

const image = process.env.KS_IMAGE;
if (!image) throw new Error("KS_IMAGE is not set: run npm run test:image (it builds the image)");
const { env, kube } = useCluster({ before, after });
const buildah = (...args: string[]) => execFileSync("buildah", args, { encoding: "utf8" }).trim();
const config = (JSON.parse(buildah("inspect", "--type", "image", image)) as { OCIv1: { config: { User: string; Env: string[]; Entrypoint: string[]; Cmd?: string[]; WorkingDir: string } } }).OCIv1.config;
const [uid, gid] = config.User.split(":").map(Number) as [number, number];
let container = "";
let root = "";

before(() => {
  container = buildah("from", "--pull-never", image);
  root = buildah("mount", container);
});
after(() => {
  if (!container) return;
  buildah("umount", container);
  buildah("rm", container);
});

/**
 * A path inside the image, resolved as the image sees it: a symlink is followed within the root
 * (a Debian root's var/run -> /run must not lead to the host's /run).
 */
function inImage(path: string): string {
  let resolved = root;
  for (const part of path.split("/").filter(Boolean)) {
    const next = join(resolved, part);
    if (existsSync(next) && lstatSync(next).isSymbolicLink()) {
      const target = readlinkSync(next);
      resolved = target.startsWith("/") ? inImage(target) : inImage(join(resolved.slice(root.length) || "/", target));
    } else resolved = next;
  }
  assert.ok(resolved.startsWith(root), `${path} leaves the image`);
  return resolved;
}

/** What crun would do: chroot, chdir to WorkingDir, drop to the image's uid/gid (no groups), exec. */
const LAUNCH = `my ($root, $wd, $uid, $gid, @cmd) = @ARGV;
chroot($root) or die "chroot: $!\\n"; chdir($wd) or die "chdir $wd: $!\\n";
$( = $gid; $) = "$gid $gid"; $< = $> = $uid;
die "could not drop to uid $uid\\n" if $> != $uid || $< != $uid;
exec { $cmd[0] } @cmd or die "exec $cmd[0]: $!\\n";`;

function podEnv(): Record<string, string> {
  const server = new URL(env.server);
  return {
    ...Object.fromEntries(config.Env.map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)])),
    KUBERNETES_SERVICE_HOST: server.hostname,
    KUBERNETES_SERVICE_PORT: server.port,
    HOSTNAME: "kube-sweeper-28811520-abcde",
  };
}

function runImage(command: string[], options: { onSpawn?: (child: ReturnType<typeof spawn>) => void; extraEnv?: Record<string, string> } = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn("/usr/bin/perl", ["-e", LAUNCH, root, config.WorkingDir || "/", String(uid), String(gid), ...command], { env: { ...podEnv(), ...options.extraEnv } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    options.onSpawn?.(child);
  });
}

const crash = { restarts: 4, ready: false, state: { waiting: { reason: "CrashLoopBackOff" } }, lastState: terminatedState(1) };
async function crashingPod(ns: string, app: string): Promise<string> {
  await createDeployment(kube, ns, app, 1);
  const [pod] = (await runningPods(kube, ns, app, 1)).map((p) => p.metadata!.name!);
  await setPodStatus(kube, ns, pod!, crash);
  return pod!;
}

function everyFile(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) everyFile(path, out);
    else out.push(path.slice(root.length));
  }
  return out;
}

test("the image is distroless-style: numeric non-root user, exec-form entrypoint, node and its libraries, CA certificates and time zones; no shell, no package manager", async () => {
  assert.match(config.User, /^[1-9]\d*:[1-9]\d*$/);
  assert.deepEqual(config.Entrypoint, ["/usr/local/bin/node", "/app/dist/main.mjs"]);
  assert.ok(config.Env.includes("HOME=/home/nonroot"), "HOME is set (os.homedir() throws without one)");
  const files = everyFile(root);
  const forbidden = files.filter((f) => /\/(sh|bash|dash|busybox|apt|apt-get|dpkg|npm|npx|perl|python3?)$/.test(f) || f.includes("node_modules"));
  assert.deepEqual(forbidden, []);
  assert.ok(files.includes("/etc/ssl/certs/ca-certificates.crt"));
  assert.ok(files.includes("/usr/share/zoneinfo/Europe/Berlin"));
  const node = await runImage(["/usr/local/bin/node", "-p", "process.version + ' ' + new Date(0).toString() + ' ' + require('node:os').userInfo().username"], { extraEnv: { TZ: "Europe/Berlin" } });
  assert.equal(node.code, 0, node.stderr);
  assert.match(node.stdout.trim(), /^v24\.\d+\.\d+ Thu Jan 01 1970 01:00:00 GMT\+0100 .* nonroot$/);
  const version = await runImage([...config.Entrypoint, "--version"]);
  assert.equal(version.stdout.trim(), JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")).version);
});

test("in-cluster: a plan and a real sweep with a ServiceAccount token bound to the generated Role, args from the generated CronJob; SIGTERM ends the run with exit 4", async () => {
  const ns = await freshNamespace(kube, "image");
  const configText = `settings: {waitBetweenActions: 0, lock: {namespace: ${ns}}}\npolicies:\n  - {name: crash, target: pods, match: {namespaces: [${ns}]}, when: {reasons: [CrashLoopBackOff]}, action: delete}\n`;
  const generated = await runCli(["manifests", "-c", writeConfig(configText), "--namespace-scoped", "-n", ns, "--cronjob-api", "batch/v1beta1", "--image", image]);
  assert.equal(generated.code, 0, generated.stderr);
  const docs = parseAllDocuments(generated.stdout).map((d) => d.toJS() as Record<string, any>);
  const rbac = docs.filter((d) => ["ServiceAccount", "Role", "RoleBinding"].includes(d.kind));
  const applied = spawnSync(env.kubectl, ["--kubeconfig", env.kubeconfigs.admin, "apply", "-f", "-"], { input: rbac.map((d) => `---\n${stringify(d)}`).join(""), encoding: "utf8" });
  assert.equal(applied.status, 0, applied.stderr);
  const cronJob = docs.find((d) => d.kind === "CronJob")!;
  const podSpec = cronJob.spec.jobTemplate.spec.template.spec;
  const main = podSpec.containers[0];
  assert.equal(main.image, image);
  const configMap = docs.find((d) => d.kind === "ConfigMap")!;

  // Where the kubelet would mount the ConfigMap and the ServiceAccount's credentials.
  const mount = main.volumeMounts.find((m: { name: string }) => m.name === "config").mountPath as string;
  for (const [file, text] of Object.entries(configMap.data as Record<string, string>)) {
    mkdirSync(inImage(mount), { recursive: true });
    writeFileSync(join(inImage(mount), file), text, { mode: 0o644 });
  }
  const secretName = await waitFor("the ServiceAccount's token secret", async () => (await kube.get<{ secrets?: { name: string }[] }>(`/api/v1/namespaces/${ns}/serviceaccounts/${podSpec.serviceAccountName}`)).secrets?.[0]?.name);
  const secret = await kube.get<{ data: { token: string; "ca.crt": string; namespace: string } }>(`/api/v1/namespaces/${ns}/secrets/${secretName}`);
  const sa = "/var/run/secrets/kubernetes.io/serviceaccount";
  mkdirSync(inImage(sa), { recursive: true });
  for (const key of ["token", "ca.crt", "namespace"] as const) writeFileSync(join(inImage(sa), key), Buffer.from(secret.data[key], "base64"), { mode: 0o644 });
  try {
    const args: string[] = main.args;
    assert.equal(args[0], "sweep");
    const planArgs = ["plan", ...args.slice(1).filter((a, i, all) => a !== "--deadline" && all[i - 1] !== "--deadline")];

    const first = await crashingPod(ns, "crasher");
    const plan = await runImage([...config.Entrypoint, ...planArgs]);
    assert.equal(plan.code, 0, plan.stderr);
    const planned = parseReport(plan.stdout);
    assert.equal(planned.source.server, env.server);
    assert.deepEqual(planned.actions.map((a) => a.target.name), [first]);
    assert.equal((await podState(kube, ns, first)).state, "present", "a plan writes nothing");
    for (const line of plan.stderr.trim().split("\n").filter(Boolean)) JSON.parse(line);

    const sweep = await runImage([...config.Entrypoint, ...args]);
    assert.equal(sweep.code, 0, sweep.stderr);
    assert.deepEqual(parseReport(sweep.stdout).actions.map((a) => a.status), ["done"]);
    await waitFor(`${first} gone`, async () => (await podState(kube, ns, first)).state === "gone");

    // SIGTERM while pacing: the action in flight finishes, the rest are not started.
    const pods = [await crashingPod(ns, "term-a"), await crashingPod(ns, "term-b")];
    let signalled = false;
    const interrupted = await runImage([...config.Entrypoint, ...args, "--wait", "60s"], {
      onSpawn: (child) => {
        const poll = setInterval(async () => {
          const states = await Promise.all(pods.map((p) => podState(kube, ns, p)));
          if (!signalled && states.some((s) => s.state !== "present")) {
            signalled = true;
            child.kill("SIGTERM");
          }
        }, 200);
        child.on("close", () => clearInterval(poll));
      },
    });
    assert.ok(signalled, "the sweep never acted");
    assert.equal(interrupted.code, 4, interrupted.stderr);
    const report = parseReport(interrupted.stdout);
    assert.equal(report.interrupted, "SIGTERM received");
    assert.deepEqual(report.actions.map((a) => a.status), ["done", "planned"]);
    const left = report.actions[1]!.target.name;
    assert.equal((await podState(kube, ns, left)).state, "present", "the action not started left its pod alone");
  } finally {
    // Credentials never stay in the image's file system.
    rmSync(inImage("/var/run/secrets"), { recursive: true, force: true });
    rmSync(inImage(mount), { recursive: true, force: true });
  }
});

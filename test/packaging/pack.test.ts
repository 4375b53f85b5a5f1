// The published package, installed as a user would: `npm pack`, then `npm install` of the tarball
// into an empty folder. Everything the CLI runs is bundled in dist/, so nothing else may come
// with it, and it must work from there.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";

const root = new URL("../../", import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string; dependencies?: Record<string, string>; bin: Record<string, string> };

function du(path: string): number {
  const s = statSync(path);
  return s.isDirectory() ? readdirSync(path).reduce((sum, e) => sum + du(join(path, e)), 0) : s.size;
}

test("npm pack + npm install into an empty folder: only the package itself, small, and both bins work under Node 24", () => {
  assert.deepEqual(pkg.dependencies ?? {}, {}, "the bundle needs no runtime dependency: they are devDependencies");
  const dir = mkdtempSync(join(tmpdir(), "ks-pack-"));
  const [packed] = JSON.parse(execFileSync("npm", ["pack", "--json", "--pack-destination", dir], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })) as { filename: string; size: number; files: { path: string }[] }[];
  const paths = packed!.files.map((f) => f.path);
  assert.ok(paths.every((p) => /^(bin\/[\w-]+\.mjs|dist\/.*\.(mjs|cjs)|examples\/.*|schema\/kube-sweeper\.schema\.json|package\.json|README\.md)$/.test(p)), `unexpected files: ${paths.join(", ")}`);
  for (const bin of Object.values(pkg.bin)) assert.ok(paths.includes(bin), `${bin} is not packed`);

  const app = join(dir, "app");
  mkdirSync(app);
  // --offline: a package with no dependencies needs nothing from the registry.
  execFileSync("npm", ["install", "--offline", "--no-audit", "--no-fund", join(dir, packed!.filename)], { cwd: app, stdio: "ignore" });
  assert.deepEqual(readdirSync(join(app, "node_modules")).filter((e) => !e.startsWith(".")), ["kube-sweeper"]);
  const installed = du(join(app, "node_modules"));
  assert.ok(packed!.size < 2_000_000, `packed ${packed!.size} bytes`);
  assert.ok(installed < 12_000_000, `installed ${installed} bytes`);
  console.log(`packed ${(packed!.size / 1e6).toFixed(2)} MB, installed ${(installed / 1e6).toFixed(2)} MB`);

  // The bins as npm linked them, with a Node 24 first on PATH (their shebang is `env node`).
  const nodeDir = mkdtempSync(join(tmpdir(), "ks-node-"));
  symlinkSync(process.execPath, join(nodeDir, "node"));
  const env = { PATH: `${nodeDir}:/usr/bin:/bin`, HOME: mkdtempSync(join(tmpdir(), "ks-home-")) };
  const examples = join(app, "node_modules/kube-sweeper/examples");
  for (const bin of ["kube-sweeper", "kubectl-sweeper"]) {
    const r = spawnSync(join(app, "node_modules/.bin", bin), ["plan", "--snapshot", join(examples, "cluster-snapshot.json"), "-c", join(examples, "kube-sweeper.yaml"), "--now", "2026-11-21T10:00:00Z", "-o", "name"], { cwd: app, env, encoding: "utf8" });
    assert.equal(r.status, 0, `${bin}: ${r.stderr}`);
    assert.equal(r.stdout.trim().split("\n").length, 4, r.stdout);
  }
  // A pattern loads the linear-time engine, a chunk of its own: it must be in the package too.
  const patterned = join(app, "patterned.yaml");
  writeFileSync(patterned, "policies:\n  - {name: workers, target: pods, match: {name: '^worker-'}, when: {restarts: {atLeast: 1}}, action: delete}\n");
  const withPattern = spawnSync(join(app, "node_modules/.bin/kube-sweeper"), ["plan", "--snapshot", join(examples, "cluster-snapshot.json"), "-c", patterned, "--now", "2026-11-21T10:00:00Z", "-o", "name"], { cwd: app, env, encoding: "utf8" });
  assert.equal(withPattern.status, 0, withPattern.stderr);
  assert.match(withPattern.stdout, /^pod\/apps\/worker-/m);
  // The examples' yaml-language-server modeline leads to the shipped schema in the installed package too.
  const modeline = /\$schema=(\S+)/.exec(readFileSync(join(examples, "kube-sweeper.yaml"), "utf8"))?.[1];
  assert.ok(modeline && existsSync(join(examples, modeline)), `modeline ${modeline}`);
  // A live command loads the Kubernetes client chunk too: refused for want of a kubeconfig, in one line.
  const live = spawnSync(join(app, "node_modules/.bin/kube-sweeper"), ["plan", "-c", join(examples, "kube-sweeper.yaml")], { cwd: app, env, encoding: "utf8" });
  assert.equal(live.status, 2);
  assert.match(live.stderr, /^kube-sweeper: .*kubeconfig/i);
  assert.equal(live.stderr.trim().split("\n").length, 1, live.stderr);
});

test("the krew manifest template: valid YAML once filled in, and every file it takes is in the npm tarball", () => {
  const text = readFileSync(join(root, "deploy/krew/sweeper.yaml"), "utf8")
    .replace(/\{\{addURIAndSha "([^"]+)" \.TagName \}\}/, (_, uri: string) => `uri: ${uri.replaceAll("{{ .TagName }}", "v1.0.0")}\n      sha256: "${"0".repeat(64)}"`)
    .replaceAll("{{ .TagName }}", "v1.0.0");
  const manifest = parseYaml(text) as { kind: string; metadata: { name: string }; spec: { platforms: { bin: string; files: { from: string; to: string }[] }[] } };
  assert.equal(manifest.kind, "Plugin");
  assert.equal(manifest.metadata.name, "sweeper");
  const platform = manifest.spec.platforms[0]!;
  assert.equal(platform.bin, pkg.bin["kubectl-sweeper"]);
  for (const f of platform.files) {
    const inPackage = f.from.replace(/^package\//, "").replace(/\/\*$/, "");
    assert.ok(existsSync(join(root, inPackage)), `${f.from} is not in the package`);
  }
});

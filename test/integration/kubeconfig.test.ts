// Kubeconfig files as kubectl reads them, through the real CLI against the fake API server:
// KUBECONFIG merging, --kubeconfig, overrides, and the one stderr line naming context and server.
import { test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { startFakeApiServer, type FakeApiServer, type FakeOptions } from "../fake-apiserver/server.ts";
import { buildNamespace, buildNode, buildPod } from "../fixtures/builders.ts";
import { hasStackTrace, runCli, writeConfig } from "../helpers/cli.ts";
import { parseReport } from "../helpers/report-shape.ts";
import { certificateFor, testCertificate } from "../helpers/tls.ts";
import { connectProxy } from "../helpers/connect-proxy.ts";

const CONFIG = writeConfig(`
policies:
  - name: old
    target: pods
    when: {olderThan: 1m}
    action: delete
`);

/** An address nothing listens on (a port of the discard range on loopback is refused at once). */
const DEAD = "https://127.0.0.1:9";
const CA = Buffer.from(testCertificate().cert).toString("base64");

function file(dir: string, name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, ["apiVersion: v1", "kind: Config", ...lines].join("\n"));
  return path;
}

test("KUBECONFIG with two files: the first file's current-context wins, a cluster name defined twice keeps the first definition, a missing file is skipped", async () => {
  const server = await startFakeApiServer({ pods: [buildPod({ name: "p" })], nodes: [buildNode("node-1")], namespaces: [buildNamespace("apps")] });
  try {
    const dir = mkdtempSync(join(tmpdir(), "ks-kc-"));
    const first = file(dir, "first", [
      `clusters: [{name: shared, cluster: {server: ${JSON.stringify(server.url)}, certificate-authority-data: ${CA}}}]`,
      "users: [{name: me, user: {token: test-token}}]",
      "contexts: [{name: real, context: {cluster: shared, user: me}}]",
      "current-context: real",
    ]);
    const last = file(dir, "last", [
      `clusters: [{name: shared, cluster: {server: ${JSON.stringify(DEAD)}, certificate-authority-data: ${CA}}}, {name: dead, cluster: {server: ${JSON.stringify(DEAD)}, certificate-authority-data: ${CA}}}]`,
      "users: [{name: me, user: {token: wrong}}]",
      "contexts: [{name: other, context: {cluster: dead, user: me}}]",
      "current-context: other",
    ]);
    const result = await runCli(["plan", "-o", "json", "-c", CONFIG], { env: { KUBECONFIG: [join(dir, "missing"), first, last].join(delimiter) } });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(parseReport(result.stdout).source.server, server.url);
    assert.match(result.stderr, new RegExp(`^using context "real" \\(cluster "shared", user "me"\\) at ${server.url.replace(/\./g, "\\.")}$`, "m"));
    assert.equal(result.stderr.match(/^using context/gm)?.length, 1, "said once");
    assert.ok(!result.stdout.includes("using context"), "not on stdout");
  } finally {
    await server.close();
  }
});

const SWEEP_CONFIG = writeConfig(`
settings: {waitBetweenActions: 0s}
policies:
  - name: crash
    target: pods
    when: {reasons: [CrashLoopBackOff]}
    action: delete
`);

async function withServer(options: FakeOptions, body: (server: FakeApiServer, dir: string) => Promise<void>) {
  const server = await startFakeApiServer({ nodes: [buildNode("node-1")], namespaces: [buildNamespace("apps")], ...options });
  try {
    await body(server, mkdtempSync(join(tmpdir(), "ks-kc-")));
  } finally {
    await server.close();
  }
}

const crashing = () => buildPod({ name: "crash-a", restarts: 5, state: { waiting: { reason: "CrashLoopBackOff" } } });

function kubeconfigFile(dir: string, cluster: string, user: string): string {
  return file(dir, "config", [`clusters: [{name: c, cluster: {${cluster}}}]`, `users: [{name: u, user: {${user}}}]`, "contexts: [{name: k, context: {cluster: c, user: u}}]", "current-context: k"]);
}

test("--kubeconfig naming a missing file, or given twice: exit 2, one line, KUBECONFIG not consulted", async () => {
  const missing = await runCli(["plan", "-c", CONFIG, "--kubeconfig", "/nonexistent/kubeconfig"]);
  assert.equal(missing.code, 2);
  assert.equal(missing.stderr, "kube-sweeper: --kubeconfig /nonexistent/kubeconfig: no such file\n");
  const twice = await runCli(["plan", "-c", CONFIG, "--kubeconfig", "/a", "--kubeconfig", "/b"]);
  assert.equal(twice.code, 2);
  assert.match(twice.stderr, /^kube-sweeper: .*--kubeconfig.*given more than once; it takes one file .*\n$/);
  assert.ok(!hasStackTrace(missing.stderr + twice.stderr));
});

test("exec plugin whose token lasts 1-2 s: a paged read that outlives it succeeds, the plugin is run again, every request carried a token the server accepted then", () => {
  const issued = mkdtempSync(join(tmpdir(), "ks-exec-"));
  const accept = (token: string) => {
    if (!existsSync(join(issued, "issued"))) return false;
    const line = readFileSync(join(issued, "issued"), "utf8").split("\n").find((l) => l.startsWith(`${token} `));
    return line !== undefined && Date.now() < Number(line.split(" ")[1]) * 1000;
  };
  let rejected = 0;
  const pods = Array.from({ length: 1200 }, (_, i) => buildPod({ name: `p-${String(i).padStart(4, "0")}` }));
  return withServer({ pods, acceptToken: (t) => accept(t) || (rejected++, false), delayMs: (r) => (r.path === "/api/v1/pods" ? 900 : 0) }, async (server, dir) => {
    const plugin = join(dir, "plugin.sh");
    writeFileSync(
      plugin,
      [
        "#!/bin/sh",
        `d=${JSON.stringify(issued)}`,
        'n=$(( $(cat "$d/count" 2>/dev/null || echo 0) + 1 )); echo $n > "$d/count"',
        "exp=$(( $(date +%s) + 2 ))",
        'echo "exec-$n $exp" >> "$d/issued"',
        // kubectl hands the plugin KUBERNETES_EXEC_INFO; record that it came.
        'echo "$KUBERNETES_EXEC_INFO" > "$d/info"',
        'printf \'{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"exec-%s","expirationTimestamp":"%s"}}\' "$n" "$(date -u -d @$exp +%Y-%m-%dT%H:%M:%SZ)"',
      ].join("\n"),
    );
    chmodSync(plugin, 0o755);
    const kc = kubeconfigFile(dir, `server: ${JSON.stringify(server.url)}, certificate-authority-data: ${CA}`, `exec: {apiVersion: client.authentication.k8s.io/v1, command: ./plugin.sh, interactiveMode: Never}`);
    const started = Date.now();
    const result = await runCli(["plan", "-o", "json", "-c", CONFIG, "--kubeconfig", kc, "--chunk-size", "500"], { timeoutMs: 60_000 });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(parseReport(result.stdout).summary.evaluated.pods, 1200);
    const pages = server.requests.filter((r) => r.path === "/api/v1/pods");
    assert.equal(pages.length, 3, "three pages of 500");
    // The read outlived the first token: its last page came after the first token's expiry.
    const firstExpiry = Number(readFileSync(join(issued, "issued"), "utf8").split("\n")[0]!.split(" ")[1]) * 1000;
    assert.ok(pages.at(-1)!.at > firstExpiry, `last page at ${pages.at(-1)!.at - started} ms, first token expired at ${firstExpiry - started} ms`);
    assert.ok(Number(readFileSync(join(issued, "count"), "utf8")) >= 2, "the plugin ran again");
    assert.equal(rejected, 0, "no request carried an expired token");
    assert.equal(JSON.parse(readFileSync(join(issued, "info"), "utf8")).spec.interactive, false);
  });
});

test("token file rotated mid-run: the new token is used at once (reads and writes), the old one is refused", () => {
  let current = "first-token";
  const pods = [crashing(), ...Array.from({ length: 600 }, (_, i) => buildPod({ name: `p-${String(i).padStart(4, "0")}` }))];
  return withServer({ pods, acceptToken: (t) => t === current }, async (server, dir) => {
    const tokenFile = join(dir, "token");
    writeFileSync(tokenFile, "first-token\n");
    // Rotated as the kubelet does (a new file moved into place) when the second page is asked for.
    const rotate = () => {
      writeFileSync(`${tokenFile}.new`, "second-token\n");
      renameSync(`${tokenFile}.new`, tokenFile);
      current = "second-token";
    };
    const original = server.requests.push.bind(server.requests);
    server.requests.push = (...items) => {
      if (items.some((r) => r.path === "/api/v1/pods" && r.query.get("continue")) && current === "first-token") rotate();
      return original(...items);
    };
    const kc = kubeconfigFile(dir, `server: ${JSON.stringify(server.url)}, certificate-authority-data: ${CA}`, "tokenFile: token");
    const result = await runCli(["sweep", "-o", "json", "-c", SWEEP_CONFIG, "--kubeconfig", kc, "--chunk-size", "500"]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(current, "second-token", "rotated during the run");
    assert.equal(parseReport(result.stdout).summary.evaluated.pods, 601);
    assert.equal(server.pods.has("apps/crash-a"), false, "the write went through with the new token");
  });
});

test("proxy-url: every request (reads and writes) goes through the proxy; the API server's name is only resolvable there", async () => {
  const name = "apiserver.through-proxy.invalid";
  const tls = certificateFor([name]);
  const proxy = await connectProxy();
  try {
    await withServer({ pods: [crashing()], tls }, async (server, dir) => {
      const port = new URL(server.url).port;
      const kc = kubeconfigFile(dir, `server: "https://${name}:${port}", certificate-authority-data: ${Buffer.from(tls.cert).toString("base64")}, proxy-url: ${JSON.stringify(proxy.url)}`, "token: test-token");
      const result = await runCli(["sweep", "-o", "json", "-c", SWEEP_CONFIG, "--kubeconfig", kc]);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(server.pods.has("apps/crash-a"), false, "deleted through the proxy");
      assert.ok(proxy.tunnels.length >= 2, `tunnels: ${proxy.tunnels.join(" ")}`);
      assert.ok(proxy.tunnels.every((t) => t === `${name}:${port}`), proxy.tunnels.join(" "));
    });
  } finally {
    proxy.close();
  }
});

test("tls-server-name: a certificate issued to a name is verified against that name while the server is addressed by IP", async () => {
  const tls = certificateFor(["apiserver.internal"]);
  const ca = Buffer.from(tls.cert).toString("base64");
  await withServer({ pods: [crashing()], tls }, async (server, dir) => {
    const without = kubeconfigFile(dir, `server: ${JSON.stringify(server.url)}, certificate-authority-data: ${ca}`, "token: test-token");
    const refused = await runCli(["plan", "-c", CONFIG, "--kubeconfig", without]);
    assert.equal(refused.code, 2, "the name in the certificate does not match the IP");
    assert.match(refused.stderr, /kube-sweeper: .*(altnames|certificate)/i);
    const withName = file(dir, "named", [`clusters: [{name: c, cluster: {server: ${JSON.stringify(server.url)}, certificate-authority-data: ${ca}, tls-server-name: apiserver.internal}}]`, "users: [{name: u, user: {token: test-token}}]", "contexts: [{name: k, context: {cluster: c, user: u}}]", "current-context: k"]);
    const result = await runCli(["sweep", "-o", "json", "-c", SWEEP_CONFIG, "--kubeconfig", withName]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(server.pods.has("apps/crash-a"), false, "the write verified the same name");
  });
});

test("--context, --cluster and --user pick what kubectl would, and the stderr line says so", async () => {
  await withServer({ pods: [buildPod({ name: "p" })] }, async (server, dir) => {
    const kc = file(dir, "multi", [
      `clusters: [{name: real, cluster: {server: ${JSON.stringify(server.url)}, certificate-authority-data: ${CA}}}, {name: dead, cluster: {server: ${JSON.stringify(DEAD)}, certificate-authority-data: ${CA}}}]`,
      "users: [{name: good, user: {token: test-token}}, {name: bad, user: {token: nope}}]",
      "contexts: [{name: dead-ctx, context: {cluster: dead, user: bad}}, {name: real-ctx, context: {cluster: real, user: good}}]",
      "current-context: dead-ctx",
    ]);
    const byContext = await runCli(["plan", "-o", "json", "-c", CONFIG, "--kubeconfig", kc, "--context", "real-ctx"]);
    assert.equal(byContext.code, 0, byContext.stderr);
    assert.match(byContext.stderr, /^using context "real-ctx" \(cluster "real", user "good"\)/m);
    const byOverrides = await runCli(["plan", "-o", "json", "-c", CONFIG, "--kubeconfig", kc, "--cluster", "real", "--user", "good"]);
    assert.equal(byOverrides.code, 0, byOverrides.stderr);
    assert.match(byOverrides.stderr, /^using context "dead-ctx" \(cluster "real", user "good"\) at https:\/\/127\.0\.0\.1:/m);
    const unknown = await runCli(["plan", "-c", CONFIG, "--kubeconfig", kc, "--context", "nope"]);
    assert.equal(unknown.code, 2);
    assert.equal(unknown.stderr, 'kube-sweeper: context "nope" does not exist (have: dead-ctx, real-ctx)\n');
  });
});

test("an exec plugin that fails, or is not installed: exit 2 with one line naming it (and its install hint), no request sent", () =>
  withServer({ pods: [crashing()] }, async (server, dir) => {
    const plugin = join(dir, "failing.sh");
    writeFileSync(plugin, "#!/bin/sh\necho 'login expired: run sso-login' >&2\nexit 3\n");
    chmodSync(plugin, 0o755);
    const cluster = `server: ${JSON.stringify(server.url)}, certificate-authority-data: ${CA}`;
    const failing = await runCli(["sweep", "-c", SWEEP_CONFIG, "--kubeconfig", kubeconfigFile(dir, cluster, `exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: ${plugin}}`)]);
    assert.equal(failing.code, 2);
    assert.match(failing.stderr, /^using context "k" .*\nkube-sweeper: cannot use kubeconfig credentials: exec plugin .*failing\.sh \(user "u"\): exited 3: login expired: run sso-login\n$/);
    const absent = await runCli(["plan", "-c", CONFIG, "--kubeconfig", kubeconfigFile(dir, cluster, `exec: {apiVersion: client.authentication.k8s.io/v1, command: no-such-plugin-xyz, installHint: "install it with: apt install xyz"}`)]);
    assert.equal(absent.code, 2);
    assert.match(absent.stderr, /kube-sweeper: cannot use kubeconfig credentials: exec plugin no-such-plugin-xyz \(user "u"\): not found \(install it with: apt install xyz\)\n$/);
    assert.equal(server.requests.length, 0, "nothing sent without credentials");
    assert.ok(server.pods.has("apps/crash-a"));
  }));

test("HTTPS_PROXY without a proxy-url: every request goes through it, as kubectl's would; NO_PROXY naming the server goes direct", async () => {
  const name = "apiserver.env-proxy.invalid";
  const tls = certificateFor([name]);
  const proxy = await connectProxy();
  try {
    await withServer({ pods: [crashing()], tls }, async (server, dir) => {
      const port = new URL(server.url).port;
      const kc = kubeconfigFile(dir, `server: "https://${name}:${port}", certificate-authority-data: ${Buffer.from(tls.cert).toString("base64")}`, "token: test-token");
      const direct = await runCli(["plan", "-c", CONFIG, "--kubeconfig", kc], { env: { HTTPS_PROXY: proxy.url, NO_PROXY: "localhost,.invalid" } });
      assert.equal(direct.code, 2, "NO_PROXY: the name only resolves through the proxy");
      assert.equal(proxy.tunnels.length, 0);
      const result = await runCli(["sweep", "-o", "json", "-c", SWEEP_CONFIG, "--kubeconfig", kc, "--log-level", "debug"], { env: { https_proxy: proxy.url.replace("http://", ""), NO_PROXY: "localhost,example.com" } });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(server.pods.has("apps/crash-a"), false, "deleted through the proxy");
      assert.ok(proxy.tunnels.length >= 2 && proxy.tunnels.every((t) => t === `${name}:${port}`), proxy.tunnels.join(" "));
      assert.match(result.stderr, /proxy from https_proxy http:\/\/127\.0\.0\.1:\d+/);
    });
  } finally {
    proxy.close();
  }
});

test("an HTTPS_PROXY that is not an http, https or socks5 URL: exit 2, one line naming the variable", () =>
  withServer({ pods: [crashing()] }, async (server, dir) => {
    const kc = kubeconfigFile(dir, `server: "https://apiserver.example.invalid:${new URL(server.url).port}", certificate-authority-data: ${CA}`, "token: test-token");
    const result = await runCli(["plan", "-c", CONFIG, "--kubeconfig", kc], { env: { HTTPS_PROXY: "ftp://user:secret@proxy:21" } });
    assert.equal(result.code, 2);
    assert.equal(result.stderr, 'kube-sweeper: HTTPS_PROXY "ftp://***@proxy:21" is not an http, https or socks5 URL\n');
  }));

// Kubeconfig parity with the real kubectl this tier builds: for each set of kubeconfig files and
// flags, `kubectl config view --minify --flatten` names a context, cluster, user, server,
// namespace, tls-server-name and proxy-url, and `kubectl get --raw /version -v=6` shows the server
// it really contacts; kube-sweeper must name the same ones in the lines it prints for users (the
// stderr line every run prints, and the --log-level debug line). kubectl 1.20's `config view`
// ignores --cluster and --user, so for those the server contacted is compared, and the user is
// compared by the identity the real API server sees. Then the issue's reproduction: with two
// files, kube-sweeper talks to the first file's current-context.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { useCluster } from "./harness.ts";
import { runCli, writeConfig } from "../helpers/cli.ts";
import { parseReport } from "../helpers/report-shape.ts";
import { connectProxy } from "../helpers/connect-proxy.ts";

const { env } = useCluster({ before, after });

const CONFIG = writeConfig("policies:\n  - {name: old, target: pods, when: {olderThan: 1h}, action: delete}\n");

interface Resolved {
  context: string;
  cluster: string;
  user: string;
  server: string;
  namespace: string;
  tlsServerName: string;
  proxyUrl: string;
}

interface Case {
  name: string;
  files: Record<string, string[]>;
  kubeconfigEnv?: string[];
  flags?: string[];
  /** The flag value naming a file ("--kubeconfig", "<file>") is replaced by its path. */
  kubeconfigFlag?: string;
}

// Servers on loopback ports where nothing listens: kube-sweeper prints what it resolved, then
// fails to connect at once. Each cluster has its own port, so the server names the cluster.
const cluster = (name: string, port: number, extra = "") => `{name: ${name}, cluster: {server: "https://127.0.0.1:${port}"${extra}}}`;
const user = (name: string, token: string) => `{name: ${name}, user: {token: ${token}}}`;
const context = (name: string, c: string, u: string, ns?: string) => `{name: ${name}, context: {cluster: ${c}, user: ${u}${ns ? `, namespace: ${ns}` : ""}}}`;

const A = [
  `clusters: [${cluster("shared", 1, ", tls-server-name: a.internal")}, ${cluster("only-a", 2, ', proxy-url: "http://127.0.0.1:3"')}]`,
  `users: [${user("me", "token-a")}]`,
  `contexts: [${context("ctx-a", "shared", "me", "team-a")}, ${context("both", "shared", "me")}]`,
  "current-context: ctx-a",
];
const B = [
  `clusters: [${cluster("shared", 4)}, ${cluster("only-b", 5, ", tls-server-name: b.internal")}]`,
  `users: [${user("me", "token-b")}, ${user("other", "token-other")}]`,
  `contexts: [${context("ctx-b", "only-b", "other", "team-b")}, ${context("both", "only-b", "other")}]`,
  "current-context: ctx-b",
];
const noCurrent = (lines: string[]) => lines.filter((l) => !l.startsWith("current-context"));

const cases: Case[] = [
  { name: "one file", files: { a: A }, kubeconfigEnv: ["a"] },
  { name: "two files: the first one's current-context", files: { a: A, b: B }, kubeconfigEnv: ["a", "b"] },
  { name: "two files reversed", files: { a: A, b: B }, kubeconfigEnv: ["b", "a"] },
  { name: "current-context only in the second file", files: { a: noCurrent(A), b: B }, kubeconfigEnv: ["a", "b"] },
  { name: "a cluster and a user defined in both files: the first definition, whole", files: { a: noCurrent(A), b: [...noCurrent(B), "current-context: ctx-a"] }, kubeconfigEnv: ["b", "a"] },
  { name: "a context defined in both files", files: { a: A, b: B }, kubeconfigEnv: ["b", "a"], flags: ["--context", "both"] },
  { name: "missing files skipped", files: { a: A, b: B }, kubeconfigEnv: ["missing-1", "b", "missing-2", "a"] },
  { name: "a file listed twice, empty entries", files: { a: A, b: B }, kubeconfigEnv: ["", "b", "", "a", "b"] },
  { name: "--kubeconfig: one file, KUBECONFIG ignored", files: { a: A, b: B }, kubeconfigEnv: ["a"], kubeconfigFlag: "b" },
  { name: "--context", files: { a: A, b: B }, kubeconfigEnv: ["a", "b"], flags: ["--context", "ctx-b"] },
  { name: "--cluster", files: { a: A, b: B }, kubeconfigEnv: ["a", "b"], flags: ["--cluster", "only-b"] },
  { name: "--user", files: { a: A, b: B }, kubeconfigEnv: ["a", "b"], flags: ["--user", "other"] },
  { name: "--context with --cluster and --user", files: { a: A, b: B }, kubeconfigEnv: ["a", "b"], flags: ["--context", "ctx-b", "--cluster", "only-a", "--user", "me"] },
  { name: "a proxy-url cluster", files: { a: A }, kubeconfigEnv: ["a"], flags: ["--cluster", "only-a"] },
];

/** kubectl's answer, or undefined when it refuses. */
function kubectlResolves(args: string[], kubeconfigEnv: string | undefined): Resolved | undefined {
  const run = spawnSync(env.kubectl, ["config", "view", "--minify", "--flatten", "-o", "json", ...args], { encoding: "utf8", env: { PATH: process.env.PATH, HOME: mkdtempSync(join(tmpdir(), "ks-home-")), ...(kubeconfigEnv === undefined ? {} : { KUBECONFIG: kubeconfigEnv }) } });
  if (run.status !== 0) return undefined;
  const view = JSON.parse(run.stdout) as {
    "current-context": string;
    contexts: { name: string; context: { cluster: string; user: string; namespace?: string } }[];
    clusters: { name: string; cluster: { server: string; "tls-server-name"?: string; "proxy-url"?: string } }[];
  };
  const ctx = view.contexts.find((c) => c.name === view["current-context"])!;
  const cl = view.clusters.find((c) => c.name === ctx.context.cluster)!;
  return { context: ctx.name, cluster: cl.name, user: ctx.context.user, server: cl.cluster.server, namespace: ctx.context.namespace || "default", tlsServerName: cl.cluster["tls-server-name"] ?? "", proxyUrl: cl.cluster["proxy-url"] ?? "" };
}

/** The server kubectl really contacts (its -v=6 request log), or undefined when it refuses. */
function kubectlContacts(args: string[], kubeconfigEnv: string | undefined): string | undefined {
  const run = spawnSync(env.kubectl, ["get", "--raw", "/version", "--request-timeout=1s", "-v=6", ...args], { encoding: "utf8", env: { PATH: process.env.PATH, HOME: mkdtempSync(join(tmpdir(), "ks-home-")), ...(kubeconfigEnv === undefined ? {} : { KUBECONFIG: kubeconfigEnv }) } });
  return /GET (https:\/\/[^/\s]+)\/version/.exec(run.stderr)?.[1];
}

/** kube-sweeper's answer, read from the lines it prints for its users. */
async function sweeperResolves(args: string[], kubeconfigEnv: string | undefined): Promise<Resolved | undefined> {
  const run = await runCli(["plan", "-c", CONFIG, "--log-level", "debug", "--retries", "0", "--request-timeout", "2s", ...args], { env: kubeconfigEnv === undefined ? {} : { KUBECONFIG: kubeconfigEnv } });
  const line = /^using context "([^"]*)" \(cluster "([^"]*)", user "([^"]*)"\) at (\S+)$/m.exec(run.stderr);
  if (!line) return undefined;
  const details = /^DEBUG: kubeconfig: (.*)$/m.exec(run.stderr)?.[1] ?? "";
  const field = (name: string) => new RegExp(`(?:^|; )${name} ([^ ;]+)`).exec(details)?.[1] ?? "";
  return { context: line[1]!, cluster: line[2]!, user: line[3]!, server: line[4]!, namespace: field("namespace"), tlsServerName: field("tls-server-name"), proxyUrl: field("proxy-url") };
}

for (const c of cases) {
  test(`kubeconfig parity with kubectl: ${c.name}`, async () => {
    const dir = mkdtempSync(join(tmpdir(), "ks-kc-parity-"));
    for (const [name, lines] of Object.entries(c.files)) writeFileSync(join(dir, name), ["apiVersion: v1", "kind: Config", ...lines].join("\n"));
    const at = (n: string) => (n === "" ? "" : join(dir, n));
    const kubeconfigEnv = c.kubeconfigEnv?.map(at).join(delimiter);
    const args = [...(c.kubeconfigFlag ? ["--kubeconfig", at(c.kubeconfigFlag)] : []), ...(c.flags ?? [])];
    const got = await sweeperResolves(args, kubeconfigEnv);
    assert.ok(got, "kube-sweeper resolves this set");
    assert.equal(got.server, kubectlContacts(args, kubeconfigEnv), "the server kubectl contacts");
    // kubectl 1.20's config view ignores --cluster and --user (they are compared above and below).
    if (args.includes("--cluster") || args.includes("--user")) return;
    const expected = kubectlResolves(args, kubeconfigEnv);
    assert.ok(expected, "kubectl resolves this set");
    assert.deepEqual(got, expected);
  });
}

test("kubeconfig parity with kubectl: both refuse an unknown --context, --cluster or --user and a missing --kubeconfig", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ks-kc-parity-"));
  writeFileSync(join(dir, "a"), ["apiVersion: v1", "kind: Config", ...A].join("\n"));
  for (const args of [["--context", "nope"], ["--cluster", "nope"], ["--user", "nope"], ["--kubeconfig", join(dir, "missing")]]) {
    assert.equal(kubectlContacts(args, join(dir, "a")), undefined, `kubectl ${args.join(" ")}`);
    const run = await runCli(["plan", "-c", CONFIG, ...args], { env: { KUBECONFIG: join(dir, "a") } });
    assert.equal(run.code, 2, args.join(" "));
    assert.equal(run.stderr.split("\n").filter(Boolean).length, 1, run.stderr);
  }
});

test("the issue's reproduction: two files, the first file's current-context is the real API server and the last one's a dead address: the plan reads the real cluster, as kubectl does", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ks-kc-repro-"));
  const real = readFileSync(env.kubeconfigs.admin, "utf8");
  writeFileSync(join(dir, "real"), real);
  // Same cluster and user names as the real file, a different current context at a dead address.
  writeFileSync(join(dir, "dead"), ["apiVersion: v1", "kind: Config", `clusters: [${cluster("e2e", 9)}, ${cluster("dead", 9)}]`, `users: [${user("admin", "wrong")}]`, `contexts: [${context("dead", "dead", "admin")}]`, "current-context: dead"].join("\n"));
  const kubeconfigEnv = [join(dir, "absent"), join(dir, "real"), join(dir, "dead")].join(delimiter);
  const version = spawnSync(env.kubectl, ["get", "--raw", "/version"], { encoding: "utf8", env: { PATH: process.env.PATH, HOME: mkdtempSync(join(tmpdir(), "ks-home-")), KUBECONFIG: kubeconfigEnv } });
  assert.equal(version.status, 0, `kubectl talks to the real server: ${version.stderr}`);
  const run = await runCli(["plan", "-o", "json", "-c", CONFIG], { env: { KUBECONFIG: kubeconfigEnv } });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(parseReport(run.stdout).source.server, env.server);
  assert.match(run.stderr, new RegExp(`^using context "e2e" \\(cluster "e2e", user "admin"\\) at ${env.server.replace(/\./g, "\\.")}$`, "m"));
});

test("kubeconfig parity with kubectl: --user picks the identity the real API server sees", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ks-kc-user-"));
  const token = (file: string) => /token: "([^"]+)"/.exec(readFileSync(file, "utf8"))![1]!;
  const ca = `${process.env.KS_E2E_STATE}/ca.crt`;
  writeFileSync(join(dir, "config"), ["apiVersion: v1", "kind: Config", `clusters: [{name: e2e, cluster: {server: "${env.server}", certificate-authority: "${ca}"}}]`, `users: [${user("admin", JSON.stringify(token(env.kubeconfigs.admin)))}, ${user("nobody", JSON.stringify(token(env.kubeconfigs.nobody)))}]`, `contexts: [${context("e2e", "e2e", "admin")}]`, "current-context: e2e"].join("\n"));
  const kubeconfigEnv = join(dir, "config");
  const kubectl = (args: string[]) => spawnSync(env.kubectl, ["get", "pods", "-A", ...args], { encoding: "utf8", env: { PATH: process.env.PATH, HOME: mkdtempSync(join(tmpdir(), "ks-home-")), KUBECONFIG: kubeconfigEnv } });
  assert.equal(kubectl([]).status, 0);
  assert.equal((await runCli(["plan", "-o", "json", "-c", CONFIG], { env: { KUBECONFIG: kubeconfigEnv } })).code, 0);
  const refusedKubectl = kubectl(["--user", "nobody"]);
  assert.match(refusedKubectl.stderr, /User "nobody" cannot list resource "pods"/);
  const refused = await runCli(["plan", "-c", CONFIG, "--user", "nobody"], { env: { KUBECONFIG: kubeconfigEnv } });
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /User "nobody" cannot list resource "pods"/);
});

test("kubeconfig parity with kubectl: HTTPS_PROXY, https_proxy, HTTP_PROXY and NO_PROXY decide, as for kubectl, whether the real API server is reached through the proxy", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ks-kc-envproxy-"));
  const port = new URL(env.server).port;
  const token = /token: "([^"]+)"/.exec(readFileSync(env.kubeconfigs.admin, "utf8"))![1]!;
  const ca = `${process.env.KS_E2E_STATE}/ca.crt`;
  // A name only the proxy resolves (to the API server on loopback); the certificate is checked against "kubernetes".
  const named = `https://apiserver.env-proxy.invalid:${port}`;
  const write = (file: string, server: string) => {
    writeFileSync(join(dir, file), ["apiVersion: v1", "kind: Config", `clusters: [{name: e2e, cluster: {server: "${server}", certificate-authority: "${ca}", tls-server-name: kubernetes}}]`, `users: [${user("admin", JSON.stringify(token))}]`, `contexts: [${context("e2e", "e2e", "admin")}]`, "current-context: e2e"].join("\n"));
    return join(dir, file);
  };
  const byName = write("named", named);
  const byLoopback = write("loopback", env.server);
  const proxy = await connectProxy();
  const { tunnels } = proxy;
  const proxyAddress = proxy.url.replace("http://", "");
  const cases: { name: string; kubeconfig: string; vars: Record<string, string> }[] = [
    { name: "HTTPS_PROXY", kubeconfig: byName, vars: { HTTPS_PROXY: `http://${proxyAddress}` } },
    { name: "https_proxy without a scheme", kubeconfig: byName, vars: { https_proxy: proxyAddress } },
    { name: "HTTP_PROXY alone (not for https)", kubeconfig: byName, vars: { HTTP_PROXY: `http://${proxyAddress}` } },
    { name: "NO_PROXY with a leading-dot domain", kubeconfig: byName, vars: { HTTPS_PROXY: `http://${proxyAddress}`, NO_PROXY: ".invalid" } },
    { name: "NO_PROXY with a parent domain", kubeconfig: byName, vars: { HTTPS_PROXY: `http://${proxyAddress}`, NO_PROXY: "localhost,env-proxy.invalid" } },
    { name: "NO_PROXY with another port", kubeconfig: byName, vars: { HTTPS_PROXY: `http://${proxyAddress}`, NO_PROXY: "apiserver.env-proxy.invalid:1" } },
    { name: "NO_PROXY=*", kubeconfig: byName, vars: { HTTPS_PROXY: `http://${proxyAddress}`, no_proxy: "*" } },
    { name: "a loopback server is never proxied", kubeconfig: byLoopback, vars: { HTTPS_PROXY: `http://${proxyAddress}` } },
  ];
  try {
    const seen: string[] = [];
    for (const c of cases) {
      tunnels.length = 0;
      const kubectl = await new Promise<number | null>((resolve) => {
        const child = spawn(env.kubectl, ["get", "--raw", "/version", "--request-timeout=10s"], { env: { PATH: process.env.PATH, HOME: mkdtempSync(join(tmpdir(), "ks-home-")), KUBECONFIG: c.kubeconfig, ...c.vars }, stdio: "ignore" });
        child.on("close", resolve);
      });
      const kubectlWay = `${kubectl === 0 ? "reached" : "failed"} ${tunnels.length > 0 ? "through the proxy" : "directly"}`;
      tunnels.length = 0;
      const ours = await runCli(["plan", "-o", "json", "-c", CONFIG], { env: { KUBECONFIG: c.kubeconfig, ...c.vars } });
      const ourWay = `${ours.code === 0 ? "reached" : "failed"} ${tunnels.length > 0 ? "through the proxy" : "directly"}`;
      assert.equal(ourWay, kubectlWay, `${c.name}: kube-sweeper ${ourWay}, kubectl ${kubectlWay}\n${ours.stderr}`);
      seen.push(kubectlWay);
    }
    // The table is only worth something if kubectl went both ways.
    assert.ok(seen.includes("reached through the proxy") && seen.includes("failed directly") && seen.includes("reached directly"), seen.join("; "));
  } finally {
    proxy.close();
  }
});

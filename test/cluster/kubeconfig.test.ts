// Which context, cluster, user and server a set of kubeconfig files resolves to, as kubectl's
// rules (client-go clientcmd) say. The real-cluster tier compares the same kind of table with
// the real kubectl (test/e2e/kubeconfig.e2e.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { resolveConnection, type KubeconfigOptions } from "../../src/cluster/kubeconfig.ts";
import { ClusterAccessError } from "../../src/errors.ts";

interface Case {
  name: string;
  /** File name -> lines after apiVersion/kind. "home" is $HOME/.kube/config. */
  files: Record<string, string[]>;
  /** KUBECONFIG as file names joined by the delimiter (undefined: unset). */
  kubeconfigEnv?: string[];
  flags?: Partial<Pick<KubeconfigOptions, "kubeconfig" | "context" | "cluster" | "user">>;
  expect: { context: string; cluster: string; user: string; server: string; namespace?: string; token?: string; tlsServerName?: string } | { error: RegExp };
}

const cluster = (name: string, server: string, extra = "") => `{name: ${name}, cluster: {server: ${server}${extra}}}`;
const user = (name: string, token: string) => `{name: ${name}, user: {token: ${token}}}`;
const context = (name: string, c: string, u: string, ns?: string) => `{name: ${name}, context: {cluster: ${c}, user: ${u}${ns ? `, namespace: ${ns}` : ""}}}`;

const A = [
  `clusters: [${cluster("shared", "https://a.example:6443", ", tls-server-name: a.internal")}, ${cluster("only-a", "https://only-a.example")}]`,
  `users: [${user("me", "token-a")}]`,
  `contexts: [${context("ctx-a", "shared", "me", "team-a")}, ${context("both", "shared", "me")}]`,
  "current-context: ctx-a",
];
const B = [
  `clusters: [${cluster("shared", "https://b.example:6443")}, ${cluster("only-b", "https://only-b.example", ", tls-server-name: b.internal")}]`,
  `users: [${user("me", "token-b")}, ${user("other", "token-other")}]`,
  `contexts: [${context("ctx-b", "only-b", "other", "team-b")}, ${context("both", "only-b", "other")}]`,
  "current-context: ctx-b",
];
const B_NO_CURRENT = B.filter((l) => !l.startsWith("current-context"));
const A_NO_CURRENT = A.filter((l) => !l.startsWith("current-context"));

const cases: Case[] = [
  { name: "KUBECONFIG unset: ~/.kube/config", files: { home: A }, expect: { context: "ctx-a", cluster: "shared", user: "me", server: "https://a.example:6443", namespace: "team-a", token: "token-a", tlsServerName: "a.internal" } },
  { name: "KUBECONFIG empty: ~/.kube/config", files: { home: A, b: B }, kubeconfigEnv: [], expect: { context: "ctx-a", cluster: "shared", user: "me", server: "https://a.example:6443" } },
  { name: "two files: current-context of the first", files: { a: A, b: B }, kubeconfigEnv: ["a", "b"], expect: { context: "ctx-a", cluster: "shared", user: "me", server: "https://a.example:6443", token: "token-a" } },
  { name: "two files, reversed: current-context of the (new) first", files: { a: A, b: B }, kubeconfigEnv: ["b", "a"], expect: { context: "ctx-b", cluster: "only-b", user: "other", server: "https://only-b.example", namespace: "team-b" } },
  { name: "current-context only in the second file", files: { a: A_NO_CURRENT, b: B }, kubeconfigEnv: ["a", "b"], expect: { context: "ctx-b", cluster: "only-b", user: "other", server: "https://only-b.example" } },
  { name: "a cluster and user defined twice keep the first definition whole", files: { a: A_NO_CURRENT, b: [...B_NO_CURRENT, "current-context: ctx-a"] }, kubeconfigEnv: ["b", "a"], expect: { context: "ctx-a", cluster: "shared", user: "me", server: "https://b.example:6443", token: "token-b", tlsServerName: undefined as never } },
  { name: "a context defined twice keeps the first definition", files: { a: A, b: B }, kubeconfigEnv: ["a", "b"], flags: { context: "both" }, expect: { context: "both", cluster: "shared", user: "me", server: "https://a.example:6443", namespace: "default" } },
  { name: "missing files in the list are skipped", files: { a: A }, kubeconfigEnv: ["nope", "a", "gone"], expect: { context: "ctx-a", cluster: "shared", user: "me", server: "https://a.example:6443" } },
  { name: "empty names and a file listed twice", files: { a: A, b: B }, kubeconfigEnv: ["", "b", "", "b", "a"], expect: { context: "ctx-b", cluster: "only-b", user: "other", server: "https://only-b.example" } },
  { name: "an empty file in the list", files: { e: [], b: B }, kubeconfigEnv: ["e", "b"], expect: { context: "ctx-b", cluster: "only-b", user: "other", server: "https://only-b.example" } },
  { name: "every file missing, no in-cluster account: refused", files: {}, kubeconfigEnv: ["nope", "gone"], expect: { error: /^no cluster credentials: kubeconfig .*nope.*gone.*: no such file and not running in a cluster/ } },
  { name: "no current-context anywhere: refused", files: { a: A_NO_CURRENT }, kubeconfigEnv: ["a"], expect: { error: /sets no current-context \(use --context\)/ } },
  { name: "--kubeconfig: that file alone, KUBECONFIG ignored", files: { a: A, b: B }, kubeconfigEnv: ["a"], flags: { kubeconfig: "b" }, expect: { context: "ctx-b", cluster: "only-b", user: "other", server: "https://only-b.example" } },
  { name: "--kubeconfig naming a missing file: refused", files: { a: A }, kubeconfigEnv: ["a"], flags: { kubeconfig: "nope" }, expect: { error: /^--kubeconfig .*nope: no such file$/ } },
  { name: "--context picks a context of the second file", files: { a: A, b: B }, kubeconfigEnv: ["a", "b"], flags: { context: "ctx-b" }, expect: { context: "ctx-b", cluster: "only-b", user: "other", server: "https://only-b.example" } },
  { name: "--context naming no context: refused", files: { a: A }, kubeconfigEnv: ["a"], flags: { context: "nope" }, expect: { error: /^context "nope" does not exist \(have: ctx-a, both\)$/ } },
  { name: "--cluster replaces the context's cluster", files: { a: A, b: B }, kubeconfigEnv: ["a", "b"], flags: { cluster: "only-b" }, expect: { context: "ctx-a", cluster: "only-b", user: "me", server: "https://only-b.example", namespace: "team-a", tlsServerName: "b.internal" } },
  { name: "--user replaces the context's user", files: { a: A, b: B }, kubeconfigEnv: ["a", "b"], flags: { user: "other" }, expect: { context: "ctx-a", cluster: "shared", user: "other", server: "https://a.example:6443", token: "token-other" } },
  { name: "--cluster and --user without any context", files: { a: A_NO_CURRENT, b: B_NO_CURRENT }, kubeconfigEnv: ["a", "b"], flags: { cluster: "only-a", user: "other" }, expect: { context: "", cluster: "only-a", user: "other", server: "https://only-a.example", namespace: "default" } },
  { name: "--cluster naming no cluster: refused", files: { a: A }, kubeconfigEnv: ["a"], flags: { cluster: "nope" }, expect: { error: /^cluster "nope" does not exist$/ } },
  { name: "--user naming no user: refused", files: { a: A }, kubeconfigEnv: ["a"], flags: { user: "nope" }, expect: { error: /^user "nope" does not exist$/ } },
  { name: "current-context naming no context: refused", files: { a: [...A_NO_CURRENT, "current-context: gone"] }, kubeconfigEnv: ["a"], expect: { error: /^current-context "gone" is not defined/ } },
  { name: "a context naming an undefined user: no credentials, as kubectl", files: { a: [A[0]!, `contexts: [${context("c", "shared", "ghost")}]`, "current-context: c"] }, kubeconfigEnv: ["a"], expect: { context: "c", cluster: "shared", user: "ghost", server: "https://a.example:6443", token: undefined as never } },
  { name: "a name defined twice in one file: refused, as kubectl", files: { a: [`clusters: [${cluster("x", "https://1.example")}, ${cluster("x", "https://2.example")}]`, `contexts: [${context("c", "x", "u")}]`, "current-context: c"] }, kubeconfigEnv: ["a"], expect: { error: /duplicate name "x" in clusters/ } },
  { name: "a file that is not a kubeconfig: refused", files: { a: ["- just", "- a list"], b: B }, kubeconfigEnv: ["a", "b"], expect: { error: /cannot load kubeconfig .*a: / } },
];

for (const c of cases) {
  test(`kubeconfig: ${c.name}`, () => {
    const dir = mkdtempSync(join(tmpdir(), "ks-kc-table-"));
    const home = join(dir, "home");
    mkdirSync(join(home, ".kube"), { recursive: true });
    for (const [name, lines] of Object.entries(c.files)) {
      const path = name === "home" ? join(home, ".kube", "config") : join(dir, name);
      writeFileSync(path, name === "a" && lines[0]?.startsWith("- ") ? lines.join("\n") : lines.length === 0 ? "" : ["apiVersion: v1", "kind: Config", ...lines].join("\n"));
    }
    const at = (n: string) => (n === "" ? "" : n === "home" ? join(home, ".kube", "config") : join(dir, n));
    const env: NodeJS.ProcessEnv = { HOME: home, ...(c.kubeconfigEnv ? { KUBECONFIG: c.kubeconfigEnv.map(at).join(delimiter) } : {}) };
    const options: KubeconfigOptions = { env, ...c.flags, kubeconfig: c.flags?.kubeconfig ? at(c.flags.kubeconfig) : undefined };
    const noServiceAccount = join(dir, "no-service-account");
    if ("error" in c.expect) {
      assert.throws(() => resolveConnection(options, noServiceAccount), (e: unknown) => e instanceof ClusterAccessError && c.expect && "error" in c.expect && c.expect.error.test(e.message));
      return;
    }
    const got = resolveConnection(options, noServiceAccount);
    const want = c.expect;
    assert.deepEqual(
      { context: got.context, cluster: got.cluster.name, user: got.user.name, server: got.cluster.server },
      { context: want.context, cluster: want.cluster, user: want.user, server: want.server },
    );
    if (want.namespace) assert.equal(got.namespace, want.namespace);
    if ("token" in want) assert.equal(got.user.token, want.token);
    if ("tlsServerName" in want) assert.equal(got.cluster.tlsServerName, want.tlsServerName);
  });
}

test("kubeconfig: relative paths are relative to the file that defined them", () => {
  const dir = mkdtempSync(join(tmpdir(), "ks-kc-paths-"));
  mkdirSync(join(dir, "one"));
  mkdirSync(join(dir, "two"));
  writeFileSync(join(dir, "one", "config"), ["apiVersion: v1", "kind: Config", `clusters: [{name: c, cluster: {server: "https://x", certificate-authority: ca.crt}}]`, `contexts: [${context("k", "c", "u")}]`, "current-context: k"].join("\n"));
  writeFileSync(join(dir, "two", "config"), ["apiVersion: v1", "kind: Config", `users: [{name: u, user: {tokenFile: ../secrets/token, client-certificate: /abs/cert, exec: {command: ./bin/plugin, apiVersion: client.authentication.k8s.io/v1}}}]`].join("\n"));
  const got = resolveConnection({ env: { KUBECONFIG: [join(dir, "one", "config"), join(dir, "two", "config")].join(delimiter) } }, join(dir, "none"));
  assert.equal(got.cluster.certificateAuthority, join(dir, "one", "ca.crt"));
  assert.equal(got.user.tokenFile, join(dir, "secrets", "token"));
  assert.equal(got.user.clientCertificate, "/abs/cert");
  assert.equal(got.user.exec?.command, join(dir, "two", "bin", "plugin"));
});

test("kubeconfig: no kubeconfig at all, in a pod: the service account, with the pod's namespace", () => {
  const dir = mkdtempSync(join(tmpdir(), "ks-kc-sa-"));
  writeFileSync(join(dir, "token"), "sa-token\n");
  writeFileSync(join(dir, "namespace"), "ops\n");
  const got = resolveConnection({ env: { HOME: dir, KUBERNETES_SERVICE_HOST: "10.0.0.1", KUBERNETES_SERVICE_PORT: "443" } }, dir);
  assert.equal(got.inCluster, true);
  assert.equal(got.cluster.server, "https://10.0.0.1:443");
  assert.equal(got.user.tokenFile, join(dir, "token"));
  assert.equal(got.namespace, "ops");
  // A kubeconfig that selects a context wins over the service account, as in kubectl.
  writeFileSync(join(dir, "kc"), ["apiVersion: v1", "kind: Config", A[0], A[1], A[2], A[3]].join("\n"));
  assert.equal(resolveConnection({ env: { KUBECONFIG: join(dir, "kc"), KUBERNETES_SERVICE_HOST: "10.0.0.1", KUBERNETES_SERVICE_PORT: "443" } }, dir).inCluster, false);
});

// Kubeconfig files as kubectl reads them, through the real CLI against the fake API server:
// KUBECONFIG merging, --kubeconfig, overrides, and the one stderr line naming context and server.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { startFakeApiServer } from "../fake-apiserver/server.ts";
import { buildNamespace, buildNode, buildPod } from "../fixtures/builders.ts";
import { hasStackTrace, runCli, writeConfig } from "../helpers/cli.ts";
import { parseReport } from "../helpers/report-shape.ts";
import { testCertificate } from "../helpers/tls.ts";

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

// Registry credentials go only where they belong, against a real registry (Debian's
// docker-registry) behind a token server on another host: never over plain HTTP to a host that
// is not listed in plainHttp; and an image's availability is judged with the credentials each
// workload would pull it with.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { registryClient, type RegistryOptions } from "../../src/registry/client.ts";
import { parseImage } from "../../src/registry/reference.ts";
import { checkImages } from "../../src/images/check.ts";
import { configSchema, type ImagePolicy } from "../../src/config/schema.ts";
import type { Workload } from "../../src/images/workloads.ts";
import { PASSWORD, startRegistry, USER, type TestRegistry } from "../helpers/registry.ts";

let token: TestRegistry;
let locked: TestRegistry;
before(async () => {
  token = await startRegistry("token");
  await token.push("team/app", "v1");
  locked = await startRegistry("htpasswd");
  await locked.push("team/private", "v1");
});
after(async () => {
  await token.close();
  await locked.close();
});

const options = (plainHttp: string[]): RegistryOptions => ({ plainHttp: new Set(plainHttp), skipTLSVerify: new Set(), mirrors: new Map(), timeoutMs: 2000, wait: async () => {} });
const creds = { username: USER, password: PASSWORD };
const basic = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString("base64")}`;

test("a plain-HTTP token realm on a host not listed in plainHttp never receives the credentials", async () => {
  token.tokenRequests.length = 0;
  // Only the registry itself is listed; its challenge names http://<token host>/token.
  const client = registryClient(options([token.host]));
  const result = await client.check(parseImage(`${token.host}/team/app:v1`), creds);
  assert.ok(!token.tokenRequests.includes(basic), `the token server received the pull secret's credentials: ${JSON.stringify(token.tokenRequests)}`);
  assert.deepEqual(token.tokenRequests, [], "nothing at all is sent to the unlisted plain-HTTP realm");
  assert.equal(result.status, "unknown-error", result.detail);
  assert.match(result.detail, new RegExp(`token realm http://${token.tokenHost!.replace(/\./g, "\\.")}/token is plain HTTP and not listed in plainHttp: credentials not sent`));
});

test("listed in plainHttp, the token realm gets the credentials and the image is available", async () => {
  token.tokenRequests.length = 0;
  const client = registryClient(options([token.host, token.tokenHost!]));
  const result = await client.check(parseImage(`${token.host}/team/app:v1`), creds);
  assert.equal(result.status, "available", result.detail);
  assert.deepEqual(token.tokenRequests, [basic]);
});

test("anonymous checks (no pull secret) may still ask an unlisted plain-HTTP realm: no credentials to leak", async () => {
  token.tokenRequests.length = 0;
  const client = registryClient(options([token.host]));
  const result = await client.check(parseImage(`${token.host}/team/app:v1`), undefined);
  assert.deepEqual(token.tokenRequests, [""]);
  assert.equal(result.status, "auth-failure", result.detail);
});

const policy = configSchema.parse({ policies: [{ name: "pullable", target: "images" }] }).policies[0] as ImagePolicy;
const deployment = (namespace: string, image: string): Workload => ({ kind: "Deployment", namespace, name: "app", labels: {}, spec: { containers: [{ name: "main", image }] } });

test("availability is judged per credential: a namespace without the pull secret is not 'available' because another namespace's secret could pull", async () => {
  const image = `${locked.host}/team/private:v1`;
  const findings = await checkImages({
    policies: [policy],
    workloads: [deployment("has-secret", image), deployment("no-secret", image), deployment("also-has-secret", image)],
    namespaces: undefined,
    registry: registryClient(options([locked.host])),
    // As the pull-secret resolver would answer: only two namespaces hold a secret for this registry.
    credentialFor: async (use, registry) => (use.workload.namespace.endsWith("has-secret") && registry === locked.host ? creds : undefined),
    concurrency: 4,
  });
  const byNamespace = Object.fromEntries(findings.flatMap((f) => f.workloads.map((w) => [w.namespace, f.status])));
  assert.deepEqual(byNamespace, { "has-secret": "available", "also-has-secret": "available", "no-secret": "auth-failure" });
  // One check per (image, credential): the two namespaces sharing a credential share a finding.
  assert.equal(findings.length, 2);
  assert.ok(findings.every((f) => f.image === `${locked.host}/team/private:v1`));
});

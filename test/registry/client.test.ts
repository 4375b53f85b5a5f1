// The registry client against a real registry (Debian's docker-registry 2.8): open, htpasswd
// Basic auth, and a bearer-token server; plus a faulty front for retries and timeouts.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { registryClient, type RegistryOptions } from "../../src/registry/client.ts";
import { parseImage, BadImageFormat } from "../../src/registry/reference.ts";
import { credentialsFromSecret, registryKey } from "../../src/registry/credentials.ts";
import { faultyFront, PASSWORD, startRegistry, USER, type TestRegistry } from "../helpers/registry.ts";

const registries: Partial<Record<"none" | "htpasswd" | "token", TestRegistry>> = {};
const digests: Record<string, string> = {};

before(async () => {
  for (const auth of ["none", "htpasswd", "token"] as const) {
    const r = await startRegistry(auth);
    registries[auth] = r;
    digests[auth] = await r.push("team/app", "v1");
    digests[`${auth}-index`] = await r.pushIndex("team/multi", "v2");
  }
});
after(async () => {
  for (const r of Object.values(registries)) await r.close();
});

const options = (hosts: string[], extra: Partial<RegistryOptions> = {}): RegistryOptions => ({ plainHttp: new Set(hosts), skipTLSVerify: new Set(), mirrors: new Map(), timeoutMs: 2000, wait: async () => {}, ...extra });
const creds = { username: USER, password: PASSWORD };

for (const auth of ["none", "htpasswd", "token"] as const) {
  test(`${auth}: present tag, missing tag, missing repository, digest reference, image index`, async () => {
    const r = registries[auth]!;
    // The token server is a plain-HTTP realm on another port: credentials go there only when it is listed.
    const client = registryClient(options([r.host, ...(r.tokenHost ? [r.tokenHost] : [])]));
    const check = (ref: string) => client.check(parseImage(`${r.host}/${ref}`), auth === "none" ? undefined : creds);
    const present = await check("team/app:v1");
    assert.equal(present.status, "available", present.detail);
    assert.equal(present.detail, digests[auth]);
    assert.equal((await check("team/app:v9")).status, "absent");
    assert.equal((await check("team/nothing:v1")).status, "absent");
    assert.equal((await check(`team/app@${digests[auth]}`)).status, "available");
    assert.equal((await check(`team/app@sha256:${"0".repeat(64)}`)).status, "absent");
    assert.equal((await check("team/multi:v2")).status, "available");
    assert.equal((await check(`team/multi@${digests[`${auth}-index`]}`)).status, "available");
  });
}

for (const auth of ["htpasswd", "token"] as const) {
  test(`${auth}: a wrong password or no credentials is an auth failure, never absent`, async () => {
    const r = registries[auth]!;
    const client = registryClient(options([r.host, ...(r.tokenHost ? [r.tokenHost] : [])]));
    const wrong = await client.check(parseImage(`${r.host}/team/app:v1`), { username: USER, password: "nope" });
    assert.equal(wrong.status, "auth-failure", wrong.detail);
    assert.match(wrong.detail, auth === "htpasswd" ? /refused the credentials of puller \(401\); the image may still exist/ : /token server .* refused the credentials \(401\)/);
    // Even for a tag that does not exist: without access the registry cannot say.
    const anonymous = await client.check(parseImage(`${r.host}/team/app:v9`), undefined);
    assert.equal(anonymous.status, "auth-failure", anonymous.detail);
  });
}

test("500 then success is retried; the number of tries is bounded", async () => {
  const r = registries.none!;
  let failures = 2;
  const front = await faultyFront(r.host, (method) => (method === "HEAD" && failures-- > 0 ? "500" : undefined));
  try {
    const client = registryClient(options([front.host]));
    assert.equal((await client.check(parseImage(`${front.host}/team/app:v1`), undefined)).status, "available");
    assert.equal(front.seen.length, 3);
    failures = 100;
    const down = await client.check(parseImage(`${front.host}/team/app:v1`), undefined);
    assert.equal(down.status, "unknown-error");
    assert.equal(down.registryUnavailable, true);
    assert.match(down.detail, /answered 500 \(after 3 attempts\)/);
  } finally {
    await front.close();
  }
});

test("a registry slower than the timeout is an unknown error, not absent", async () => {
  const r = registries.none!;
  const front = await faultyFront(r.host, () => "slow", 5000);
  try {
    const client = registryClient(options([front.host], { timeoutMs: 300, retry: { attempts: 2, baseMs: 10, capMs: 10 } }));
    const started = Date.now();
    const slow = await client.check(parseImage(`${front.host}/team/app:v1`), undefined);
    assert.equal(slow.status, "unknown-error");
    assert.match(slow.detail, /no answer within 300 ms/);
    assert.ok(Date.now() - started < 3000);
  } finally {
    await front.close();
  }
});

test("a redirect to another host does not carry the credentials", async () => {
  const seen: (string | undefined)[] = [];
  const other = http.createServer((req, res) => {
    seen.push(req.headers.authorization);
    res.writeHead(200, { "Docker-Content-Digest": "sha256:abc" }).end();
  });
  await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
  const otherHost = `localhost:${(other.address() as { port: number }).port}`;
  const first = http.createServer((req, res) => {
    if (!req.headers.authorization) return void res.writeHead(401, { "WWW-Authenticate": 'Basic realm="x"' }).end();
    res.writeHead(307, { Location: `http://${otherHost}/v2/team/app/manifests/v1` }).end();
  });
  await new Promise<void>((resolve) => first.listen(0, "127.0.0.1", resolve));
  const firstHost = `127.0.0.1:${(first.address() as { port: number }).port}`;
  try {
    const client = registryClient(options([firstHost, otherHost]));
    const result = await client.check(parseImage(`${firstHost}/team/app:v1`), creds);
    assert.equal(result.status, "available");
    assert.deepEqual(seen, [undefined]);
  } finally {
    first.close();
    other.close();
  }
});

test("references are normalised as the runtime does", () => {
  const cases: [string, string][] = [
    ["nginx", "docker.io/library/nginx:latest"],
    ["nginx:1.27", "docker.io/library/nginx:1.27"],
    ["bitnami/redis:7", "docker.io/bitnami/redis:7"],
    ["index.docker.io/library/busybox", "docker.io/library/busybox:latest"],
    ["localhost/app", "localhost/app:latest"],
    ["registry.example.com:5000/team/app:v1", "registry.example.com:5000/team/app:v1"],
    [`quay.io/app@sha256:${"a".repeat(64)}`, `quay.io/app@sha256:${"a".repeat(64)}`],
    [`ghcr.io/o/app:v1@sha256:${"b".repeat(64)}`, `ghcr.io/o/app@sha256:${"b".repeat(64)}`],
  ];
  for (const [input, canonical] of cases) assert.equal(parseImage(input).canonical, canonical, input);
  for (const bad of ["", "UPPER/case", "app:", "app@sha256:short", "a b", "app:tag:tag/x"]) assert.throws(() => parseImage(bad), BadImageFormat, bad);
});

test("pull secrets: .dockerconfigjson (username/password or auth) and .dockercfg; Docker Hub keys", () => {
  const b64 = (s: string) => Buffer.from(s).toString("base64");
  const json = credentialsFromSecret({ data: { ".dockerconfigjson": b64(JSON.stringify({ auths: { "https://index.docker.io/v1/": { auth: b64("hub:pw:with:colons") }, "reg.local:5000": { username: "u", password: "p" } } })) } });
  assert.deepEqual(json.get("docker.io"), { username: "hub", password: "pw:with:colons" });
  assert.deepEqual(json.get("reg.local:5000"), { username: "u", password: "p" });
  const cfg = credentialsFromSecret({ data: { ".dockercfg": b64(JSON.stringify({ "http://old.example.com/v1/": { auth: b64("a:b") } })) } });
  assert.deepEqual(cfg.get("old.example.com"), { username: "a", password: "b" });
  assert.equal(credentialsFromSecret({ data: { ".dockerconfigjson": "not base64 json" } }).size, 0);
  assert.equal(registryKey("HTTPS://Quay.IO/v1"), "quay.io");
});

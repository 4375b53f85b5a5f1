// A real OCI registry for tests: Debian's docker-registry (the CNCF distribution registry 2.8)
// on a loopback port, without auth, with htpasswd Basic auth, or behind a token server written
// here. Images are pushed through the registry's HTTP API: a config blob, a layer, a manifest,
// and an image index for the multi-arch case.
import http from "node:http";
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { createHash, createPrivateKey, sign, X509Certificate } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { testCertificate } from "./tls.ts";

export type RegistryAuth = "none" | "htpasswd" | "token";
export const USER = "puller";
export const PASSWORD = "s3cret-pass";

export interface TestRegistry {
  /** host:port */
  host: string;
  /** The token server's host:port (auth "token"): a plain-HTTP realm on another host than the registry. */
  tokenHost?: string;
  /** The Authorization header of every request the token server received ("" when none). */
  tokenRequests: string[];
  push(repository: string, tag: string): Promise<string>;
  pushIndex(repository: string, tag: string): Promise<string>;
  close(): Promise<void>;
}

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const s = http.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

const digestOf = (data: Buffer | string) => `sha256:${createHash("sha256").update(data).digest("hex")}`;

export async function startRegistry(auth: RegistryAuth): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), "ks-registry-"));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  let tokenServer: http.Server | undefined;
  const tokenRequests: string[] = [];
  let authBlock = "";
  if (auth === "htpasswd") {
    writeFileSync(join(dir, "htpasswd"), execFileSync("htpasswd", ["-Bbn", USER, PASSWORD]));
    authBlock = `auth:\n  htpasswd:\n    realm: kube-sweeper-test\n    path: ${join(dir, "htpasswd")}\n`;
  }
  if (auth === "token") {
    const started = await startTokenServer(tokenRequests);
    tokenServer = started.server;
    writeFileSync(join(dir, "token-root.pem"), testCertificate().cert);
    authBlock = `auth:\n  token:\n    realm: http://127.0.0.1:${started.port}/token\n    service: kube-sweeper-test\n    issuer: kube-sweeper-test-issuer\n    rootcertbundle: ${join(dir, "token-root.pem")}\n`;
  }
  const config = join(dir, "config.yml");
  writeFileSync(config, `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, "data")}\n  delete:\n    enabled: true\nhttp:\n  addr: ${host}\n${authBlock}`);
  const child: ChildProcess = spawn("docker-registry", ["serve", config], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const pushAuth = (): Record<string, string> => (auth === "none" ? {} : auth === "htpasswd" ? { Authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString("base64")}` } : {});
  // Waits for the registry: /v2/ answers 200 (open) or 401 (auth).
  for (let i = 0; ; i++) {
    const status = await call("GET", `http://${host}/v2/`, {}).then((r) => r.status, () => 0);
    if (status === 200 || status === 401) break;
    if (i > 100 || child.exitCode !== null) throw new Error(`docker-registry did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }

  const authFor = async (repository: string): Promise<Record<string, string>> => {
    if (auth !== "token") return pushAuth();
    const answer = await call("GET", `http://127.0.0.1:${(tokenServer!.address() as { port: number }).port}/token?service=kube-sweeper-test&scope=repository:${repository}:push,pull`, { Authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString("base64")}` });
    return { Authorization: `Bearer ${(JSON.parse(answer.body) as { token: string }).token}` };
  };

  const blob = async (repository: string, data: Buffer | string, headers: Record<string, string>) => {
    const digest = digestOf(data);
    const start = await call("POST", `http://${host}/v2/${repository}/blobs/uploads/`, headers);
    if (start.status !== 202) throw new Error(`blob upload: ${start.status} ${start.body}`);
    const location = new URL(start.location!, `http://${host}`);
    location.searchParams.set("digest", digest);
    const put = await call("PUT", location.toString(), { ...headers, "Content-Type": "application/octet-stream" }, data);
    if (put.status !== 201) throw new Error(`blob put: ${put.status} ${put.body}`);
    return { digest, size: Buffer.byteLength(data) };
  };

  const manifest = async (repository: string, ref: string, body: object, mediaType: string, headers: Record<string, string>) => {
    const text = JSON.stringify(body);
    const put = await call("PUT", `http://${host}/v2/${repository}/manifests/${ref}`, { ...headers, "Content-Type": mediaType }, text);
    if (put.status !== 201) throw new Error(`manifest put: ${put.status} ${put.body}`);
    return { digest: digestOf(text), size: Buffer.byteLength(text), mediaType };
  };

  const pushImage = async (repository: string, ref: string, arch = "amd64") => {
    const headers = await authFor(repository);
    const config = await blob(repository, JSON.stringify({ architecture: arch, os: "linux", rootfs: { type: "layers", diff_ids: [] }, config: {} }), headers);
    const layer = await blob(repository, `layer of ${repository}:${ref}:${arch}`, headers);
    return manifest(
      repository,
      ref,
      {
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: { mediaType: "application/vnd.oci.image.config.v1+json", ...config },
        layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", ...layer }],
      },
      "application/vnd.oci.image.manifest.v1+json",
      headers,
    );
  };

  return {
    host,
    tokenHost: tokenServer ? `127.0.0.1:${(tokenServer.address() as { port: number }).port}` : undefined,
    tokenRequests,
    push: async (repository, tag) => (await pushImage(repository, tag)).digest,
    async pushIndex(repository, tag) {
      const headers = await authFor(repository);
      const parts = [];
      for (const arch of ["amd64", "arm64"]) parts.push({ ...(await pushImage(repository, `${tag}-${arch}`, arch)), platform: { architecture: arch, os: "linux" } });
      const index = await manifest(repository, tag, { schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: parts }, "application/vnd.oci.image.index.v1+json", headers);
      return index.digest;
    },
    async close() {
      child.kill("SIGTERM");
      await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once("exit", r)));
      await new Promise((r) => (tokenServer ? tokenServer.close(() => r(undefined)) : r(undefined)));
    },
  };
}

/** A tiny token server: Basic credentials in, an ES256 JWT the registry trusts out. */
async function startTokenServer(requests: string[]): Promise<{ server: http.Server; port: number }> {
  const { key, cert } = testCertificate();
  const signer = createPrivateKey(key);
  const x5c = Buffer.from(new X509Certificate(cert).raw).toString("base64");
  const b64 = (value: object | Buffer) => (Buffer.isBuffer(value) ? value : Buffer.from(JSON.stringify(value))).toString("base64url");
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://token");
    const given = req.headers.authorization ?? "";
    requests.push(given);
    const expected = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString("base64")}`;
    if (given && given !== expected) {
      res.writeHead(401, { "Content-Type": "application/json" }).end(JSON.stringify({ details: "wrong credentials" }));
      return;
    }
    // Anonymous callers get a token without access: the registry then answers 401 for the image.
    const access = given ? (url.searchParams.getAll("scope").map((scope) => {
      const [type, name, actions] = scope.split(":");
      return { type, name, actions: (actions ?? "").split(",").filter(Boolean) };
    })) : [];
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: "ES256", typ: "JWT", x5c: [x5c] };
    const claims = { iss: "kube-sweeper-test-issuer", sub: given ? USER : "", aud: url.searchParams.get("service"), exp: now + 300, nbf: now - 10, iat: now, jti: String(Math.random()), access };
    const input = `${b64(header)}.${b64(claims)}`;
    const signature = sign("sha256", Buffer.from(input), { key: signer, dsaEncoding: "ieee-p1363" });
    res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ token: `${input}.${b64(signature)}` }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as { port: number }).port };
}

function call(method: string, url: string, headers: Record<string, string>, body?: Buffer | string): Promise<{ status: number; body: string; location?: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(body);
    const req = http.request(url, { method, headers: { ...headers, ...(payload ? { "Content-Length": String(payload.length) } : { "Content-Length": "0" }) } }, (res) => {
      let text = "";
      res.on("data", (d: Buffer) => (text += d.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text, location: res.headers.location }));
    });
    req.on("error", reject);
    req.end(payload);
  });
}

/** A plain HTTP front for a registry that fails or stalls the requests `choose` picks. */
export async function faultyFront(target: string, choose: (method: string, path: string) => "500" | "slow" | undefined, slowMs = 3000): Promise<{ host: string; seen: string[]; close(): Promise<void> }> {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const fault = choose(req.method ?? "GET", req.url ?? "/");
    if (fault === "500") return void res.writeHead(500).end("injected");
    const forward = () => {
      const out = http.request(`http://${target}${req.url}`, { method: req.method, headers: { ...req.headers, host: target } }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      out.on("error", () => res.destroy());
      req.pipe(out);
    };
    if (fault === "slow") setTimeout(forward, slowMs).unref();
    else forward();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    host: `127.0.0.1:${(server.address() as { port: number }).port}`,
    seen,
    close: () => new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

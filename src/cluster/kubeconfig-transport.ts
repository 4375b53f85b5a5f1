// The connection to the API server that reads use: TLS as the kubeconfig says (CA, client
// certificate, tls-server-name) and, when the cluster sets proxy-url, a tunnel through that proxy
// (HTTP CONNECT through an http:// or https:// proxy, or SOCKS5), as client-go does. Writers get
// the same settings through the client library (see kubeconfig-writer.ts).
import http from "node:http";
import https from "node:https";
import net from "node:net";
import tls from "node:tls";
import type { Duplex } from "node:stream";
import { readFileSync } from "node:fs";
import type { ClusterEntry } from "./kubeconfig.ts";

export interface ServerTls {
  ca?: Buffer;
  servername?: string;
  rejectUnauthorized: boolean;
}

export function serverTls(cluster: ClusterEntry): ServerTls {
  const ca = cluster.certificateAuthorityData ? Buffer.from(cluster.certificateAuthorityData, "base64") : cluster.certificateAuthority ? readFileSync(cluster.certificateAuthority) : undefined;
  return { ca, servername: cluster.tlsServerName, rejectUnauthorized: !cluster.insecureSkipTlsVerify };
}

/** A keep-alive agent for the cluster, presenting this client certificate (if any). */
export function clusterAgent(cluster: ClusterEntry, client: { cert?: string | Buffer; key?: string | Buffer }, maxSockets: number): http.Agent {
  const secure = cluster.server.startsWith("https:");
  const server = serverTls(cluster);
  const options = { keepAlive: true, maxSockets, ...(secure ? { ...server, cert: client.cert, key: client.key } : {}) };
  if (!cluster.proxyUrl) return secure ? new https.Agent(options) : new http.Agent(options);
  const proxy = new URL(cluster.proxyUrl);
  if (secure) {
    return new (class extends https.Agent {
      override createConnection(opts: tls.ConnectionOptions & { host?: string; port?: number }, done: (error: Error | null, socket?: Duplex) => void): undefined {
        tunnel(proxy, opts.host!, Number(opts.port), (error, raw) => {
          if (error) return done(error);
          // servername: tls-server-name if set, else the host unless it is an IP (SNI carries names only).
          const servername = opts.servername || (net.isIP(opts.host!) ? undefined : opts.host);
          done(null, tls.connect({ ...opts, socket: raw, servername }));
        });
        return undefined;
      }
    })(options);
  }
  return new (class extends http.Agent {
    override createConnection(opts: { host?: string; port?: number }, done: (error: Error | null, socket?: Duplex) => void): undefined {
      tunnel(proxy, opts.host!, Number(opts.port), done);
      return undefined;
    }
  })(options);
}

/** A TCP stream to host:port through the proxy. */
function tunnel(proxy: URL, host: string, port: number, done: (error: Error | null, socket?: net.Socket | tls.TLSSocket) => void): void {
  const proxyPort = Number(proxy.port) || (proxy.protocol === "https:" ? 443 : proxy.protocol === "http:" ? 80 : 1080);
  const proxyHost = proxy.hostname.replace(/^\[|\]$/g, "");
  const socket: net.Socket = proxy.protocol === "https:" ? tls.connect({ host: proxyHost, port: proxyPort, servername: net.isIP(proxyHost) ? undefined : proxyHost }) : net.connect({ host: proxyHost, port: proxyPort });
  let settled = false;
  const finish = (error: Error | null) => {
    if (settled) return;
    settled = true;
    socket.removeAllListeners("data");
    if (error) {
      socket.destroy();
      return done(new Error(`proxy ${proxy.protocol}//${proxy.host}: ${error.message}`));
    }
    done(null, socket);
  };
  socket.once("error", finish);
  socket.once("close", () => finish(new Error("closed the connection")));
  const target = `${net.isIPv6(host) ? `[${host}]` : host}:${port}`;
  if (proxy.protocol === "socks5:") return socks5(socket, host, port, finish);
  socket.once(proxy.protocol === "https:" ? "secureConnect" : "connect", () => {
    const auth = proxy.username ? `Proxy-Authorization: Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString("base64")}\r\n` : "";
    socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n${auth}\r\n`);
  });
  let head = Buffer.alloc(0);
  socket.on("data", (chunk: Buffer) => {
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf("\r\n\r\n");
    if (end < 0) return head.length > 16_384 ? finish(new Error("answer to CONNECT too long")) : undefined;
    const status = /^HTTP\/1\.[01] (\d{3})/.exec(head.subarray(0, end).toString("latin1"));
    if (!status || status[1] !== "200") return finish(new Error(`CONNECT ${target} refused: ${head.subarray(0, head.indexOf("\r\n")).toString("latin1")}`));
    // Bytes after the answer belong to the tunnel.
    if (head.length > end + 4) socket.unshift(head.subarray(end + 4));
    finish(null);
  });
}

/** RFC 1928: no authentication, CONNECT by domain name or address. */
function socks5(socket: net.Socket, host: string, port: number, finish: (error: Error | null) => void): void {
  socket.once("connect", () => socket.write(Buffer.from([5, 1, 0])));
  let stage: "greeting" | "connect" = "greeting";
  let buffer = Buffer.alloc(0);
  socket.on("data", (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    if (stage === "greeting") {
      if (buffer.length < 2) return;
      if (buffer[0] !== 5 || buffer[1] !== 0) return finish(new Error("SOCKS5 proxy wants authentication, which kube-sweeper does not offer"));
      buffer = buffer.subarray(2);
      stage = "connect";
      const ip = net.isIP(host);
      const address = ip === 4 ? Buffer.from([1, ...host.split(".").map(Number)]) : ip === 6 ? Buffer.concat([Buffer.from([4]), ipv6Bytes(host)]) : Buffer.concat([Buffer.from([3, Buffer.byteLength(host)]), Buffer.from(host)]);
      socket.write(Buffer.concat([Buffer.from([5, 1, 0]), address, Buffer.from([port >> 8, port & 255])]));
      return;
    }
    if (buffer.length < 5) return;
    if (buffer[1] !== 0) return finish(new Error(`SOCKS5 CONNECT ${host}:${port} refused (reply ${buffer[1]})`));
    const length = 4 + (buffer[3] === 1 ? 4 : buffer[3] === 4 ? 16 : 1 + buffer[4]!) + 2;
    if (buffer.length < length) return;
    if (buffer.length > length) socket.unshift(buffer.subarray(length));
    finish(null);
  });
}

function ipv6Bytes(address: string): Buffer {
  const [head, tail] = address.split("::") as [string, string?];
  const groups = (s: string | undefined) => (s ? s.split(":").filter(Boolean) : []);
  const left = groups(head);
  const right = groups(tail);
  const all = [...left, ...Array(8 - left.length - right.length).fill("0"), ...right];
  return Buffer.from(all.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 255]));
}

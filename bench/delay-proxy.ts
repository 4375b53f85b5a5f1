// A TCP proxy on loopback that puts the API server at a distance: every byte is held `oneWayMs`
// in each direction (so a round trip costs twice that), and a new connection reaches the server
// one round trip after it was opened, as a TCP handshake would. TLS passes through untouched (the
// server's certificate names 127.0.0.1, whatever the port). Chunks keep their order: timers of one
// duration fire in the order they were set. No bandwidth limit, no loss.
import net from "node:net";
import type { AddressInfo } from "node:net";

export interface DelayProxy {
  /** "https://127.0.0.1:<port>" for a target given as "https://127.0.0.1:<port>". */
  url: string;
  close(): Promise<void>;
}

export async function startDelayProxy(target: string, oneWayMs: number): Promise<DelayProxy> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<net.Socket>();
  const later = (from: net.Socket, to: net.Socket) => {
    from.on("data", (chunk) => setTimeout(() => to.writable && to.write(chunk), oneWayMs));
    from.on("end", () => setTimeout(() => to.end(), oneWayMs));
    from.on("error", () => to.destroy());
    from.on("close", () => setTimeout(() => to.destroy(), oneWayMs));
  };
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    client.pause();
    setTimeout(() => {
      const upstream = net.connect(Number(port), hostname === "localhost" ? "127.0.0.1" : hostname.replace(/^\[|\]$/g, ""));
      sockets.add(upstream);
      upstream.on("close", () => sockets.delete(upstream));
      upstream.setNoDelay(true);
      client.setNoDelay(true);
      later(client, upstream);
      later(upstream, client);
      client.resume();
    }, 2 * oneWayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = new URL(target);
  url.hostname = "127.0.0.1";
  url.port = String((server.address() as AddressInfo).port);
  return {
    url: url.origin,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

// `node bench/delay-proxy.ts <target> [oneWayMs]`: run it alone (prints its URL).
if (import.meta.main) {
  const proxy = await startDelayProxy(process.argv[2] ?? "https://127.0.0.1:6443", Number(process.argv[3] ?? 25));
  console.log(proxy.url);
}

// A loopback HTTP proxy that answers CONNECT, resolving every name to 127.0.0.1: a server named by
// a name only this proxy resolves is reachable through it and nowhere else. Records each tunnel.
import http from "node:http";
import net from "node:net";

export async function connectProxy(): Promise<{ url: string; tunnels: string[]; close(): void }> {
  const tunnels: string[] = [];
  const proxy = http.createServer((_req, res) => res.writeHead(405).end());
  proxy.on("connect", (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    tunnels.push(req.url ?? "");
    const port = Number((req.url ?? "").split(":").at(-1));
    const upstream = net.connect(port, "127.0.0.1", () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(proxy.address() as net.AddressInfo).port}`, tunnels, close: () => (proxy.closeAllConnections(), proxy.close()) };
}

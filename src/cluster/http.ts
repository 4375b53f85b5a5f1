// Reads go as plain JSON through Node's http(s) with the kubeconfig's credentials: no model
// classes to build per object, and one keep-alive connection for every page of a list.
import http from "node:http";
import https from "node:https";
import type { KubeConfig } from "@kubernetes/client-node";
import { ApiError, apiErrorFromStatus } from "./api-error.ts";
import type { ApiPolicy } from "./api-policy.ts";

export interface JsonClient {
  server: string;
  getJson<T>(path: string): Promise<T>;
  close(): void;
}

export async function jsonClient(kc: KubeConfig, api: ApiPolicy): Promise<JsonClient> {
  const timeoutMs = api.timeoutMs;
  const server = kc.getCurrentCluster()!.server.replace(/\/+$/, "");
  const opts: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  const secure = server.startsWith("https:");
  const agentOptions = { keepAlive: true, maxSockets: 4, ca: opts.ca, cert: opts.cert, key: opts.key, rejectUnauthorized: opts.rejectUnauthorized, servername: opts.servername };
  const agent = secure ? new https.Agent(agentOptions) : new http.Agent({ keepAlive: true, maxSockets: 4 });
  const headers = { ...(opts.headers as Record<string, string> | undefined), Accept: "application/json" };

  const getOnce = <T>(path: string) =>
    new Promise<T>((resolve, reject) => {
      const url = new URL(server + path);
      const request = (secure ? https : http).request(url, { method: "GET", agent, headers, auth: opts.auth, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", reject);
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          const code = res.statusCode ?? 0;
          if (code < 200 || code >= 300) return reject(apiErrorFromStatus(code, text, `HTTP ${code} for GET ${path}`, res.headers["retry-after"]));
          try {
            resolve(JSON.parse(text) as T);
          } catch {
            reject(new ApiError(code, "BadResponse", `GET ${path}: response is not JSON`));
          }
        });
      });
      request.on("timeout", () => request.destroy(new Error(`GET ${path}: no answer within ${timeoutMs} ms`)));
      request.on("error", (error) => reject(error instanceof ApiError ? error : new ApiError(0, "NetworkError", `${error.message} (${server})`)));
      request.end();
    });

  // Reads are always safe to repeat.
  const getJson = <T>(path: string) => api.retrying(`GET ${path.split("?")[0]}`, () => api.limiter.take().then(() => getOnce<T>(path)));

  return { server, getJson, close: () => agent.destroy() };
}

// The plain-Node baseline: every pod listed page by page (limit 500) with node:https and
// JSON.parse of each whole page, one page after the other, doing nothing else. What any client
// that pages sequentially does at best. Reads the server, CA file and token from the kubeconfig
// that $KUBECONFIG names (the benchmark's own, written by up.sh: one cluster, one token user).
// Prints the number of pods.
import https from "node:https";
import { readFileSync } from "node:fs";

const kubeconfig = readFileSync(process.env.KUBECONFIG!, "utf8");
const field = (name: string) => new RegExp(`${name}: "?([^",}\\s]+)"?`).exec(kubeconfig)?.[1] ?? "";
const server = field("server");
const agent = new https.Agent({ keepAlive: true, ca: readFileSync(field("certificate-authority")) });
const headers = { Authorization: `Bearer ${field("token")}`, Accept: "application/json" };

function page(path: string): Promise<{ items: unknown[]; metadata: { continue?: string } }> {
  return new Promise((resolve, reject) => {
    https
      .get(server + path, { agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode}: ${Buffer.concat(chunks).toString().slice(0, 200)}`));
          resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")));
        });
        res.on("error", reject);
      })
      .on("error", reject);
  });
}

let pods = 0;
let token: string | undefined;
do {
  const list = await page(`/api/v1/pods?limit=500${token ? `&continue=${encodeURIComponent(token)}` : ""}`);
  pods += list.items.length;
  token = list.metadata.continue || undefined;
} while (token);
agent.destroy();
console.log(pods);

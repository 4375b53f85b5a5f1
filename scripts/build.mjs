// Bundles the CLI into dist/ with esbuild. The entry answers --version alone; the CLI and the
// Kubernetes client are chunks loaded only when needed, so validate starts without the client.
import { build } from "esbuild";
import { readFileSync, rmSync } from "node:fs";

const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));

// Chunk names carry hashes: stale ones from an earlier build would otherwise pile up.
rmSync(new URL("../dist", import.meta.url), { recursive: true, force: true });

await build({
  entryPoints: { main: "src/main.ts" },
  outdir: "dist",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node22",
  sourcemap: "linked",
  chunkNames: "chunks/[name]-[hash]",
  outExtension: { ".js": ".mjs" },
  define: { KUBE_SWEEPER_VERSION: JSON.stringify(version) },
  // Bundled CommonJS dependencies still call require().
  banner: { js: "import { createRequire as __ksCreateRequire } from 'node:module'; const require = __ksCreateRequire(import.meta.url);" },
  logLevel: "warning",
});

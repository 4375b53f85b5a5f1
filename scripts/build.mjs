// Bundles the CLI into dist/ with esbuild. The Kubernetes client is split into its own chunk
// and loaded only by commands that talk to a cluster, so --version and validate start fast.
import { build } from "esbuild";
import { readFileSync } from "node:fs";

const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));

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

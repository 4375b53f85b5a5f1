// Bundles the CLI into dist/ with esbuild. The entry answers --version alone; the CLI and the
// Kubernetes client are chunks loaded only when needed, so validate starts without the client.
import { build } from "esbuild";
import { readFileSync, rmSync } from "node:fs";

const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));

// Chunk names carry hashes: stale ones from an earlier build would otherwise pile up.
rmSync(new URL("../dist", import.meta.url), { recursive: true, force: true });

const shared = {
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node22",
  sourcemap: "linked",
  outExtension: { ".js": ".mjs" },
  // Bundled CommonJS dependencies still call require().
  banner: { js: "import { createRequire as __ksCreateRequire } from 'node:module'; const require = __ksCreateRequire(import.meta.url);" },
  logLevel: "warning",
  // Whitespace and syntax only: identifiers keep their names, so a stack trace stays readable.
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: "none",
};

// The KubeConfig class on its own, tree-shaken; the CLI imports it from next to its own chunks.
await build({ ...shared, entryPoints: { "kubeconfig-light": "src/cluster/kubeconfig-class.ts" }, outdir: "dist/chunks" });
const lightKubeConfig = {
  name: "light-kubeconfig",
  setup(b) {
    b.onResolve({ filter: /\/kubeconfig-class\.ts$/ }, () => ({ path: "./kubeconfig-light.mjs", external: true }));
  },
};

// The linear-time pattern engine, required by src/core/safe-regex.ts only when a config has a
// pattern, so a run without patterns never loads it.
await build({ ...shared, banner: {}, format: "cjs", entryPoints: { "pattern-engine": "re2js" }, outdir: "dist/chunks", outExtension: { ".js": ".cjs" } });

await build({
  ...shared,
  entryPoints: { main: "src/main.ts" },
  plugins: [lightKubeConfig],
  outdir: "dist",
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  define: { KUBE_SWEEPER_VERSION: JSON.stringify(version), KUBE_SWEEPER_PATTERN_ENGINE: JSON.stringify("./pattern-engine.cjs") },
});

// Bundles the CLI into dist/ with esbuild. The entry answers --version alone; the CLI and the
// Kubernetes client are chunks loaded only when needed, so validate starts without the client.
import { build } from "esbuild";
import { readFileSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

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

// `import http from "node:http"` makes Node build the builtin's ES module facade, which reads every
// export, and node:http's WebSocket and fetch-related exports load undici: 20 ms and more at every
// start. The CLI's own imports of these builtins take the module object itself instead
// (process.getBuiltinModule, Node >= 22.3). Default imports only: a named one fails the build.
const srcDir = fileURLToPath(new URL("../src/", import.meta.url));
const builtinsWithoutFacade = {
  name: "builtins-without-facade",
  setup(b) {
    b.onResolve({ filter: /^node:(http|https|net|tls)$/ }, (args) => (args.importer.startsWith(srcDir) ? { path: args.path, namespace: "builtin-object" } : undefined));
    b.onLoad({ filter: /.*/, namespace: "builtin-object" }, (args) => ({ contents: `export default process.getBuiltinModule(${JSON.stringify(args.path)});`, loader: "js" }));
  },
};

// Dependencies only some configs need, each a CommonJS file of its own that src/core/lazy-require.ts
// requires on first use: the pattern engine (a pattern), CEL (a `cel` condition), cron-parser with
// luxon (a schedule, `manifests`). 330 KB the CLI's chunk no longer compiles and runs at start-up.
const lazyModules = { re2js: "pattern-engine", "@marcbachmann/cel-js": "cel", "cron-parser": "cron" };
await build({
  ...shared,
  banner: {},
  format: "cjs",
  entryPoints: Object.fromEntries(Object.entries(lazyModules).map(([pkg, name]) => [name, pkg])),
  outdir: "dist/chunks",
  outExtension: { ".js": ".cjs" },
});

const define = { KUBE_SWEEPER_VERSION: JSON.stringify(version), KUBE_SWEEPER_LAZY_MODULES: JSON.stringify(JSON.stringify(Object.fromEntries(Object.entries(lazyModules).map(([pkg, name]) => [pkg, `./${name}.cjs`])))) };

// The CLI and what it loads later, in dist/chunks/ (the lazy modules' paths are relative to it).
await build({
  ...shared,
  entryPoints: { "chunks/cli": "src/cli.ts" },
  plugins: [lightKubeConfig, builtinsWithoutFacade],
  outdir: "dist",
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  define,
});

// The entry on its own: --version reads this one file (no shared chunk, no require shim), and
// everything else starts with its import of the CLI.
const cliChunk = {
  name: "cli-chunk",
  setup(b) {
    b.onResolve({ filter: /^\.\/cli\.ts$/ }, () => ({ path: "./chunks/cli.mjs", external: true }));
  },
};
await build({ ...shared, banner: {}, entryPoints: { main: "src/main.ts" }, plugins: [cliChunk], outdir: "dist", define });

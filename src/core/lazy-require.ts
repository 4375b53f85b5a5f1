// Dependencies only some configs need (patterns, CEL, cron schedules) are not part of the CLI's
// chunk: the bundle ships each as its own CommonJS file next to the chunks (scripts/build.mjs,
// which defines KUBE_SWEEPER_LAZY_MODULES), required on first use, so a run that never needs one
// never reads, compiles or initialises it. From source, it is the package itself.
import { createRequire } from "node:module";

/** JSON: package name -> the bundled file that replaces it, relative to the chunk (a string, as an object define would be injected into every module). */
declare const KUBE_SWEEPER_LAZY_MODULES: string | undefined;
const bundled: Record<string, string> = typeof KUBE_SWEEPER_LAZY_MODULES === "string" ? JSON.parse(KUBE_SWEEPER_LAZY_MODULES) : {};

/** A loader of `name`, which requires it on its first call only. */
export function lazyRequire<T>(name: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= createRequire(import.meta.url)(bundled[name] ?? name) as T);
}

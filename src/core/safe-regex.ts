// User-supplied patterns (match.name, images.ignore/allow, the seed env's TARGETPOD) run against
// every name in the cluster. JavaScript's RegExp backtracks, and no syntactic guard catches every
// pattern that explodes (`^(\w\w?)*x$` takes hours on a 253-character near-miss). So patterns run
// in an RE2 engine, which matches in time linear in the name and refuses what it cannot do so:
// backreferences and lookaround.
//
// Engine: re2js (pure JavaScript port of RE2/RE2J; pinned). Compared in 2026-11 on Node 24:
//   - re2js: no native code, no WASM; 8 ms to load bundled; the worst patterns take
//     0.1-1.4 µs per 253-character name.
//   - re2-wasm / @adguard/re2-wasm (RE2 compiled to WASM): 9-27 µs per name, a 1.2 MB module.
//   - re2 (the native addon): needs node-gyp or a prebuilt binary fetched from GitHub at install,
//     which offline installs cannot do, and the image ships no node_modules.
// The engine is loaded on the first pattern only, so a config without patterns starts as before.
import type { RE2JS } from "re2js";
import { lazyRequire } from "./lazy-require.ts";

/** A compiled user pattern: `test` is a search anywhere in the text, as RegExp.prototype.test. */
export interface NamePattern {
  readonly source: string;
  test(text: string): boolean;
}

/** The pattern cannot be used; the message follows the quoted pattern ("…" is refused: why). */
export class PatternError extends Error {}

// Long patterns compile to large programs; a name filter never needs one this long.
export const MAX_PATTERN_LENGTH = 1000;

// Required only when a pattern is compiled (see lazy-require.ts).
const engine = lazyRequire<{ RE2JS: typeof RE2JS }>("re2js");

/** Compiles a user pattern for the linear-time engine, or throws PatternError saying why not. */
export function compilePattern(source: string): NamePattern {
  if (source.length > MAX_PATTERN_LENGTH) throw new PatternError(`is refused: longer than ${MAX_PATTERN_LENGTH} characters`);
  const unsupported = unsupportedSyntax(source);
  if (unsupported) throw new PatternError(`is refused: ${unsupported} (patterns run in a linear-time RE2 engine)`);
  const RE2 = engine().RE2JS;
  let compiled: RE2JS;
  try {
    // JavaScript spellings RE2 writes differently (named groups, \u{...}) are translated first.
    compiled = RE2.compile(RE2.translateRegExp(source));
  } catch (error) {
    const message = error instanceof Error ? error.message.replace(/^error parsing regexp: /, "") : String(error);
    throw new PatternError(`is not a regular expression: ${message}`);
  }
  return { source, test: (text) => compiled.test(text) };
}

/** Backreferences and lookaround, which RE2 cannot run in linear time, named in a sentence. */
function unsupportedSyntax(source: string): string | undefined {
  let i = 0;
  while (i < source.length) {
    const ch = source[i]!;
    if (ch === "\\") {
      const next = source[i + 1] ?? "";
      if (/[1-9]/.test(next) || (next === "k" && source[i + 2] === "<")) return "backreferences are not supported";
      i += 2;
    } else if (ch === "[") {
      i = endOfClass(source, i);
    } else if (ch === "(" && source[i + 1] === "?") {
      const marker = source.slice(i, i + 4);
      if (marker.startsWith("(?=") || marker.startsWith("(?!")) return `lookahead ${JSON.stringify(marker.slice(0, 3))} is not supported`;
      if (marker === "(?<=" || marker === "(?<!") return `lookbehind ${JSON.stringify(marker)} is not supported`;
      i += 2;
    } else {
      i++;
    }
  }
  return undefined;
}

function endOfClass(source: string, start: number): number {
  let i = start + 1;
  if (source[i] === "^") i++;
  if (source[i] === "]") i++;
  while (i < source.length && source[i] !== "]") i += source[i] === "\\" ? 2 : 1;
  return i + 1;
}

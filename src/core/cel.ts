// CEL (the expression language of Kubernetes validation and admission policies) for `when.cel`.
//
// Implementation: @marcbachmann/cel-js, pinned. Compared on the npm registry: cel-js (ChromeGG)
// depends on chevrotain and ramda and points its users to this package; @bufbuild/cel depends on
// @bufbuild/cel-spec and its own RE2 engine and was at 0.x; @marcbachmann/cel-js has no
// dependencies, is plain JavaScript (no native code, about 280 kB), ships a type checker and
// reports errors with source ranges, which is what a config error needs.
//
// Expressions are compiled and type-checked once, while the config is validated. Evaluation is
// bounded in time: a CEL program always terminates, but comprehensions nested over large lists (or
// a catastrophic `matches`) can run for minutes, so each evaluation runs under node:vm's timeout,
// whose watchdog stops any JavaScript running on the thread, the library's own included.
// The library is required on the first expression only (lazy-require.ts): most configs have none.
import vm from "node:vm";
import type { Environment, ParseResult } from "@marcbachmann/cel-js";
import { lazyRequire } from "./lazy-require.ts";

/** Longest an expression may be, and the time one evaluation may take. */
export const CEL_MAX_LENGTH = 10_000;
export const CEL_TIME_LIMIT_MS = 250;

const library = lazyRequire<{ Environment: typeof Environment }>("@marcbachmann/cel-js");
let loaded: { environment: Environment; Duration: { fromMilliseconds(ms: number): unknown } } | undefined;

function cel() {
  if (loaded) return loaded;
  const environment = new (library().Environment)({
    // Objects come from JSON: maps whose values have many types.
    homogeneousAggregateLiterals: false,
    limits: { maxAstNodes: 2_000, maxDepth: 50, maxListElements: 1_000, maxMapEntries: 1_000, maxCallArguments: 32 },
  })
    .registerVariable("object", "map")
    .registerVariable("now", "google.protobuf.Timestamp")
    .registerVariable("age", "google.protobuf.Duration");
  // The library's Duration class is not exported; its constructor is reachable from a value.
  const Duration = (environment.evaluate('duration("1s")') as object).constructor as unknown as { fromMilliseconds(ms: number): unknown };
  return (loaded = { environment, Duration });
}

export interface CelProgram {
  source: string;
  run: ParseResult;
}

export type CelCompiled = { ok: true; program: CelProgram } | { ok: false; message: string };

/** Parses and type-checks; a problem names its line and column (1-based) and the expression's error. */
export function compileCel(source: string): CelCompiled {
  if (source.length > CEL_MAX_LENGTH) return { ok: false, message: `CEL expression longer than ${CEL_MAX_LENGTH} characters` };
  let run: ParseResult;
  try {
    run = cel().environment.parse(source);
  } catch (error) {
    return { ok: false, message: describeError("syntax error", source, error) };
  }
  const checked = run.check();
  if (!checked.valid) return { ok: false, message: describeError("type error", source, checked.error) };
  if (checked.type !== "bool" && checked.type !== "dyn") return { ok: false, message: `CEL expression returns ${checked.type}, not bool` };
  return { ok: true, program: { source, run } };
}

function describeError(what: string, source: string, error: unknown): string {
  const e = error as { summary?: string; message?: string; range?: { start?: number } } | undefined;
  const summary = (e?.summary ?? e?.message ?? String(error)).split("\n")[0];
  const at = e?.range?.start;
  if (typeof at !== "number") return `CEL ${what}: ${summary}`;
  const before = source.slice(0, at).split("\n");
  return `CEL ${what} at line ${before.length}, column ${before.at(-1)!.length + 1}: ${summary}`;
}

export type CelOutcome = { ok: true; value: boolean } | { ok: false; error: string };

const sandbox = vm.createContext({ job: undefined as (() => unknown) | undefined });
const runJob = new vm.Script("job()");

/**
 * Evaluates with `object` (the JSON object; whole numbers become CEL ints), `now` and `age` bound.
 * Never throws: a runtime error, a non-bool result or a run over the time limit is an outcome.
 */
export function evaluateCel(program: CelProgram, celObject: unknown, now: number, age: number, timeLimitMs = CEL_TIME_LIMIT_MS): CelOutcome {
  const bindings = { object: celObject, now: new Date(now), age: cel().Duration.fromMilliseconds(age) };
  sandbox.job = () => program.run(bindings);
  let value: unknown;
  try {
    value = runJob.runInContext(sandbox, { timeout: timeLimitMs });
  } catch (error) {
    if ((error as { code?: string }).code === "ERR_SCRIPT_EXECUTION_TIMEOUT") return { ok: false, error: `stopped after ${timeLimitMs}ms (evaluation time limit)` };
    const e = error as { summary?: string; message?: string };
    return { ok: false, error: (e.summary ?? e.message ?? String(error)).split("\n")[0]! };
  } finally {
    sandbox.job = undefined;
  }
  if (typeof value !== "boolean") return { ok: false, error: `returned ${typeof value === "bigint" ? "an int" : typeof value}, not a bool` };
  return { ok: true, value };
}

/** JSON as CEL sees Kubernetes objects: whole numbers are ints (replicas == 0), other numbers doubles. */
export function toCelValue(value: unknown): unknown {
  if (typeof value === "number") return Number.isSafeInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(toCelValue);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = toCelValue(v);
    return out;
  }
  return value;
}

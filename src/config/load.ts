// Loading the config: a YAML/JSON file, or the seed-compatible environment when there is none.
import { readFileSync } from "node:fs";
import { LineCounter, parseDocument, isNode, type Document } from "yaml";
import type * as z from "zod";
import { ConfigError } from "../errors.ts";
import { configSchema, type Config } from "./schema.ts";
import { configFromSeedEnv, seedEnvNames } from "./seed-env.ts";

export const DEFAULT_CONFIG_PATH = "./kube-sweeper.yaml";

export interface LoadedConfig {
  config: Config;
  /** Where it came from, for logs and `validate`: a path or "seed environment". */
  source: string;
  /** Seed env asks for a dry run (DEBUG=true). */
  dryRun: boolean;
  warnings: string[];
}

export interface ConfigLocation {
  /** -c/--config, else KUBE_SWEEPER_CONFIG. */
  explicitPath?: string;
  env: NodeJS.ProcessEnv;
  fileExists: (path: string) => boolean;
}

export function loadConfig(where: ConfigLocation): LoadedConfig {
  const path = where.explicitPath ?? where.env.KUBE_SWEEPER_CONFIG;
  const seedVars = seedEnvNames.filter((name) => where.env[name] !== undefined);
  if (path === undefined && !where.fileExists(DEFAULT_CONFIG_PATH)) {
    if (seedVars.length > 0) return configFromSeedEnv(where.env);
    throw new ConfigError([
      `no config: ${DEFAULT_CONFIG_PATH} does not exist (give -c FILE, set KUBE_SWEEPER_CONFIG, or set the seed-compatible env vars such as NAMESPACE)`,
    ]);
  }
  const file = path ?? DEFAULT_CONFIG_PATH;
  const warnings = seedVars.length > 0 ? [`ignoring seed-compatible env vars (${seedVars.join(", ")}) because config file ${file} is used`] : [];
  return { config: parseConfigText(readConfigFile(file), file), source: file, dryRun: false, warnings };
}

function readConfigFile(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : code === "EISDIR" ? "is a directory" : (error as Error).message;
    throw new ConfigError([`${path}: cannot read config file: ${why}`]);
  }
}

// A config is a page of YAML; anything far larger is not one.
const MAX_CONFIG_BYTES = 1024 * 1024;
const MAX_SYNTAX_ERRORS = 5;

/** Parses YAML or JSON text; every problem names its path and, where known, its line. */
export function parseConfigText(text: string, file: string): Config {
  if (text.length > MAX_CONFIG_BYTES) throw new ConfigError([`${file}: config file larger than 1 MiB`]);
  const lineCounter = new LineCounter();
  let doc: Document.Parsed;
  let data: unknown;
  try {
    doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
    if (doc.errors.length > 0) {
      // Running out of stack leaves the parser's later errors meaningless (one was "Invalid regular
      // expression ... Stack overflow", from a regex it could no longer compile): say it once.
      const exhausted = doc.errors.find((e) => isStackExhaustion(e.message));
      if (exhausted) {
        const pos = lineCounter.linePos(exhausted.pos[0]);
        throw new ConfigError([`${file}:${pos.line}:${pos.col}: not valid YAML: nested too deeply`]);
      }
      // One broken bracket can produce thousands of errors; the first ones locate it.
      const shown = doc.errors.slice(0, MAX_SYNTAX_ERRORS).map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        return `${file}:${pos.line}:${pos.col}: not valid YAML: ${yamlMessage(e.message)}`;
      });
      if (doc.errors.length > MAX_SYNTAX_ERRORS) shown.push(`${file}: ${doc.errors.length - MAX_SYNTAX_ERRORS} more YAML errors not shown`);
      throw new ConfigError(shown);
    }
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError([`${file}: not valid YAML: ${yamlMessage((error as Error).message)}`]);
  }
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw new ConfigError([`${file}: the config must be a mapping with "policies" (and optionally "settings")`]);
  }
  const result = configSchema.safeParse(data, { reportInput: true });
  if (!result.success) throw new ConfigError(result.error.issues.map((issue) => describeIssue(issue, doc, lineCounter, file)));
  return result.data;
}

function firstLine(message: string): string {
  return message.split("\n")[0]!.trim();
}

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const part of path) out += typeof part === "number" ? `[${part}]` : out === "" ? String(part) : `.${String(part)}`;
  return out || "(top level)";
}

function describeIssue(issue: z.core.$ZodIssue, doc: Document | undefined, lineCounter: LineCounter | undefined, file: string): string {
  const path = issue.path as PropertyKey[];
  const fullPath = issue.code === "unrecognized_keys" && issue.keys.length === 1 ? [...path, issue.keys[0]!] : path;
  const line = doc && lineCounter ? lineOf(doc, lineCounter, fullPath) : undefined;
  const where = `${file}${line ? `:${line}` : ""}`;
  return `${where}: ${formatPath(fullPath)}: ${issueMessage(issue)}`;
}

function issueMessage(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "unrecognized_keys":
      return `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => JSON.stringify(k)).join(", ")}`;
    case "invalid_type":
      return issue.input === undefined ? `is required (${issue.expected})` : `expected ${issue.expected}, got ${describeValue(issue.input)}`;
    case "too_small":
    case "too_big":
      return `${issue.message.replace(/^Too (small|big): expected (number|array|string) to (be|have) /, "must be ")}${issue.input !== undefined && !Array.isArray(issue.input) ? `, got ${describeValue(issue.input)}` : ""}`;
    case "invalid_value":
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}, got ${describeValue(issue.input)}`;
    default:
      return issue.message;
  }
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  const text = JSON.stringify(value) ?? String(value);
  return `${typeof value} ${text.length > 60 ? `${text.slice(0, 57)}...` : text}`;
}

/** The line of the deepest node on `path` that exists in the document. */
function lineOf(doc: Document, lineCounter: LineCounter, path: PropertyKey[]): number | undefined {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = doc.getIn(path.slice(0, depth) as (string | number)[], true);
    if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
  }
  return undefined;
}

/** Validates an already-built object (the seed env mapping) with the same messages. */
export function validateConfigObject(data: unknown, source: string): Config {
  const result = configSchema.safeParse(data, { reportInput: true });
  if (!result.success) throw new ConfigError(result.error.issues.map((issue) => describeIssue(issue, undefined, undefined, source)));
  return result.data;
}

/** The parser recurses per nesting level; running out of stack means the nesting is absurd. */
function yamlMessage(message: string): string {
  return isStackExhaustion(message) ? "nested too deeply" : firstLine(message);
}

function isStackExhaustion(message: string): boolean {
  return /Maximum call stack size exceeded|Stack overflow/.test(message);
}

import { stringify } from "yaml";
import type { GlobalOptions, Io } from "../commands/context.ts";
import { outputFormat } from "../commands/context.ts";
import type { OutputFormat } from "./formats.ts";
import { jsonChunks } from "./json-stream.ts";
import type { SweepReport } from "./report.ts";
import { renderMarkdown, renderTable, resourceName } from "./table.ts";

/**
 * JSON is pretty for a person at a terminal and one line otherwise: a CronJob's log collector
 * splits on newlines, and one report must stay one record.
 */
export function renderJson(value: unknown, io: Io): string {
  return `${io.stdoutIsTTY ? JSON.stringify(value, null, 2) : JSON.stringify(value)}\n`;
}

/** renderJson's text in pieces, so a large report is never held as one string. */
export function* renderJsonChunks(value: unknown, io: Io): Generator<string> {
  yield* jsonChunks(value, io.stdoutIsTTY ? 2 : 0);
  yield "\n";
}

export function renderYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0 });
}

/**
 * Reporters are interchangeable: one per output format (the compiler checks none is missing).
 * Each gives its text in pieces, written as they come.
 */
const reporters: Record<OutputFormat, (report: SweepReport, io: Io) => Iterable<string>> = {
  table: (report) => [renderTable(report)],
  wide: (report) => [renderTable(report, true)],
  json: renderJsonChunks,
  yaml: (report) => [renderYaml(report)],
  name: (report) => [names(report).map((n) => `${n}\n`).join("")],
  markdown: (report) => [renderMarkdown(report)],
};

/**
 * `-o name` lists what the run is about: the actions' targets, and for an image check the
 * workloads whose image cannot be pulled.
 */
function names(report: SweepReport): string[] {
  const unpullable = (report.images ?? []).filter((i) => i.status === "absent" || i.status === "bad-format");
  return [...new Set([...report.actions.map((a) => resourceName(a.target)), ...unpullable.flatMap((i) => i.workloads.map(resourceName))])];
}

export function printReport(report: SweepReport, options: GlobalOptions, io: Io): void {
  for (const piece of reporters[outputFormat(options, io)](report, io)) io.stdout(piece);
}

/** For the other commands' results: each gives its text, names and Markdown; JSON and YAML are shared. */
export interface Rendering {
  value: unknown;
  text: (wide: boolean) => string;
  names: () => string[];
  markdown?: () => string;
}

export function printResult(result: Rendering, options: GlobalOptions, io: Io): void {
  const format = outputFormat(options, io);
  const out: Record<OutputFormat, () => string> = {
    table: () => result.text(false),
    wide: () => result.text(true),
    json: () => renderJson(result.value, io),
    yaml: () => renderYaml(result.value),
    name: () => result.names().map((n) => `${n}\n`).join(""),
    markdown: () => result.markdown?.() ?? `\`\`\`\n${result.text(true)}\`\`\`\n`,
  };
  io.stdout(out[format]());
}

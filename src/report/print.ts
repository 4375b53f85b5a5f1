import type { GlobalOptions, Io } from "../commands/context.ts";
import { outputFormat } from "../commands/context.ts";
import type { SweepReport } from "./report.ts";
import { renderTable } from "./table.ts";

/** Reporters are interchangeable: one per output format. */
const reporters: Record<"table" | "json", (report: SweepReport) => string> = {
  table: renderTable,
  json: (report) => `${JSON.stringify(report, null, 2)}\n`,
};

export function printReport(report: SweepReport, options: GlobalOptions, io: Io): void {
  io.stdout(reporters[outputFormat(options, io)](report));
}

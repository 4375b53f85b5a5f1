// The human report. The only importer of cli-table3.
import Table from "cli-table3";
import { summaryLine, type ImageEntry, type SweepReport } from "./report.ts";

/** A plain table for the other reports (restore). */
export function renderRows(head: string[], rows: string[][]): string {
  const table = new Table({ head, style: { head: [], border: [] } });
  for (const row of rows) table.push(row);
  return table.toString();
}

function targetLabel(target: { kind: string; namespace?: string; name: string }): string {
  if (target.kind === "Namespace") return `namespace/${target.name}`;
  if (target.kind === "Pod") return `${target.namespace}/${target.name}`;
  // Any other kind is a resource target: kind/namespace/name, as `explain` takes it.
  return `${target.kind.toLowerCase()}/${target.namespace ? `${target.namespace}/` : ""}${target.name}`;
}

export function renderTable(report: SweepReport): string {
  const lines: string[] = [];
  const dry = report.mode === "dry-run";
  if (dry) lines.push(`DRY-RUN (${report.dryRun ?? "client"}): nothing is changed; every row below is what a real sweep would do`);
  else if (report.mode === "plan") lines.push("PLAN: nothing is changed; this is what a sweep would do now");
  if (report.abortReason) lines.push(`ABORTED: ${report.abortReason}; nothing will be acted on`);
  if (report.interrupted) lines.push(`INTERRUPTED: ${report.interrupted}; actions not started are marked so`);
  const actions = new Table({ head: ["STATUS", "POLICY", "ACTION", "TARGET", "REASONS", "DETAIL"], style: { head: [], border: [] } });
  for (const a of report.actions) {
    actions.push([dry ? `DRY-RUN ${a.status}` : a.status, a.policy, a.action, targetLabel(a.target), a.reasons.join("; "), a.detail]);
  }
  lines.push(report.actions.length ? actions.toString() : "no actions");
  if (report.skipped.length) {
    const skipped = new Table({ head: ["SKIPPED", "POLICY", "REASON"], style: { head: [], border: [] } });
    for (const s of report.skipped) skipped.push([targetLabel(s.target), s.policy, s.reason]);
    lines.push(skipped.toString());
  }
  if (report.images) lines.push(renderImageTable(report.images).trimEnd());
  if (report.notifications?.length) {
    const sent = new Table({ head: ["STATUS", "POLICY", "NOTIFICATION", "DETAIL"], style: { head: [], border: [] } });
    for (const n of report.notifications) sent.push([dry ? `DRY-RUN ${n.status}` : n.status, n.policy, `webhook ${n.host}: ${n.images} images`, n.detail]);
    lines.push(sent.toString());
  }
  lines.push(`${dry ? "DRY-RUN: " : ""}${summaryLine(report)}`);
  return `${lines.join("\n")}\n`;
}

export function renderImageTable(images: ImageEntry[]): string {
  if (images.length === 0) return "no images in scope\n";
  const rows = images.map((f) => [f.image, f.status, f.workloads.map((w) => `${w.kind.toLowerCase()}/${w.namespace}/${w.name} (${w.container})`).join("\n"), f.detail]);
  const counts = new Map<string, number>();
  for (const f of images) counts.set(f.status, (counts.get(f.status) ?? 0) + 1);
  return `${renderRows(["IMAGE", "STATUS", "USED BY", "DETAIL"], rows)}\n${images.length} images: ${[...counts].map(([s, n]) => `${n} ${s}`).join(", ")}\n`;
}

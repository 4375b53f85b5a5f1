// Tables as kubectl prints them: upper-case headers, columns aligned with three spaces, no box
// drawing, one row per line, `<none>` for an empty cell. Markdown tables for CI job summaries.
import { summaryLine, type ImageEntry, type SweepReport } from "./report.ts";

/** One line per row: a cell never breaks the row (API messages may carry newlines or tabs). */
function cell(value: string): string {
  const flat = value.replace(/[\r\n\t]+/g, " ").trim();
  return flat === "" ? "<none>" : flat;
}

/** kubectl's tabwriter layout: every column but the last padded to its widest cell plus 3. */
export function renderRows(head: string[], rows: string[][]): string {
  const all = [head.map((h) => h.toUpperCase()), ...rows.map((r) => r.map(cell))];
  const widths = head.map((_, i) => Math.max(...all.map((r) => [...(r[i] ?? "")].length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]! + 3 - ([...c].length - c.length)))).join("");
  return `${all.map(line).join("\n")}\n`;
}

/** GitHub-flavoured Markdown table (GitHub's $GITHUB_STEP_SUMMARY, GitLab's markdown reports). */
export function renderMarkdownRows(head: string[], rows: string[][]): string {
  const escape = (value: string) => value.replace(/\\/g, "\\\\").replace(/</g, "&lt;").replace(/\|/g, "\\|").replace(/\r?\n/g, "<br>");
  const lines = [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.map(escape).join(" | ")} |`)];
  return `${lines.join("\n")}\n`;
}

/** kubectl's `-o name` spelling, with the namespace: `pod/apps/worker-1`, `namespace/preview-a`. */
export function resourceName(target: { kind: string; namespace?: string; name: string; apiVersion?: string }): string {
  const kind = target.kind.toLowerCase();
  // A resource target carries its apiVersion: kind.group, and `kind//name` when cluster-scoped, as `explain` takes it.
  if (target.apiVersion !== undefined) {
    const group = target.apiVersion.includes("/") ? `.${target.apiVersion.split("/")[0]}` : "";
    return `${kind}${group}/${target.namespace ?? ""}/${target.name}`;
  }
  return target.kind === "Namespace" || !target.namespace ? `${kind}/${target.name}` : `${kind}/${target.namespace}/${target.name}`;
}

export interface TableShape {
  head: string[];
  rows: string[][];
}

/** The report's tables, shared by -o table/wide and -o markdown so they cannot disagree. */
function reportTables(report: SweepReport, wide: boolean): { actions: TableShape; skipped: TableShape; notifications: TableShape; notices: TableShape } {
  const dry = report.mode === "dry-run";
  // The status stays one word so the column can be read with awk; a dry run says so on every row.
  const status = (s: string) => (dry ? `DRY-RUN:${s}` : s);
  return {
    actions: {
      head: ["STATUS", "POLICY", "ACTION", "TARGET", "DETAIL", ...(wide ? ["REASONS"] : [])],
      rows: report.actions.map((a) => [status(a.status), a.policy, a.action, resourceName(a.target), a.detail, ...(wide ? [a.reasons.join("; ")] : [])]),
    },
    skipped: { head: ["SKIPPED", "POLICY", "REASON"], rows: report.skipped.map((s) => [resourceName(s.target), s.policy, s.reason]) },
    notifications: {
      head: ["STATUS", "POLICY", "NOTIFICATION", "DETAIL"],
      rows: (report.notifications ?? []).map((n) => [status(n.status), n.policy, `webhook ${n.host}: ${n.images} images`, n.detail]),
    },
    notices: {
      head: ["STATUS", "POLICY", "NOTICE", "DUE", "DETAIL"],
      rows: (report.notices ?? []).map((n) => [status(n.status), n.policy, `Warning Event on ${resourceName(n.target)}`, n.dueAt, n.detail]),
    },
  };
}

function banners(report: SweepReport): string[] {
  const lines: string[] = [];
  if (report.mode === "dry-run") lines.push(`DRY-RUN (${report.dryRun ?? "client"}): nothing is changed; every row below is what a real sweep would do`);
  else if (report.mode === "plan") lines.push("PLAN: nothing is changed; this is what a sweep would do now");
  if (report.abortReason) lines.push(`ABORTED: ${report.abortReason}; nothing will be acted on`);
  if (report.interrupted) lines.push(`INTERRUPTED: ${report.interrupted}; actions not started are marked so`);
  return lines;
}

function summary(report: SweepReport): string {
  return `${report.mode === "dry-run" ? "DRY-RUN: " : ""}${summaryLine(report)}`;
}

/** Sections are separated by a blank line, as kubectl separates the tables of `get pods,svc`. */
export function renderTable(report: SweepReport, wide = false): string {
  const t = reportTables(report, wide);
  const sections = [banners(report).join("\n"), report.actions.length ? renderRows(t.actions.head, t.actions.rows).trimEnd() : "no actions"];
  if (report.skipped.length) sections.push(renderRows(t.skipped.head, t.skipped.rows).trimEnd());
  if (report.images) sections.push(renderImageTable(report.images, wide).trimEnd());
  if (t.notifications.rows.length) sections.push(renderRows(t.notifications.head, t.notifications.rows).trimEnd());
  if (t.notices.rows.length) sections.push(renderRows(t.notices.head, t.notices.rows).trimEnd());
  sections.push(summary(report));
  return `${sections.filter((s) => s !== "").join("\n\n")}\n`;
}

export function renderMarkdown(report: SweepReport): string {
  const t = reportTables(report, true);
  const title = { plan: "plan", sweep: "sweep", "dry-run": "dry run", images: "image check" }[report.mode];
  const sections = [`### kube-sweeper ${title}`, ...banners(report).map((b) => `> ${b}`)];
  sections.push(report.actions.length ? renderMarkdownRows(t.actions.head, t.actions.rows).trimEnd() : "No actions.");
  if (report.skipped.length) sections.push(`<details><summary>${report.skipped.length} skipped</summary>\n\n${renderMarkdownRows(t.skipped.head, t.skipped.rows).trimEnd()}\n\n</details>`);
  if (report.images) sections.push(renderMarkdownRows(...imageShape(report.images, true)).trimEnd());
  if (t.notifications.rows.length) sections.push(renderMarkdownRows(t.notifications.head, t.notifications.rows).trimEnd());
  if (t.notices.rows.length) sections.push(renderMarkdownRows(t.notices.head, t.notices.rows).trimEnd());
  sections.push(summary(report));
  return `${sections.join("\n\n")}\n`;
}

function imageShape(images: ImageEntry[], wide: boolean): [string[], string[][]] {
  const users = (f: ImageEntry) => f.workloads.map((w) => `${resourceName(w)}${wide ? ` (${w.container})` : ""}`).join(",");
  return [["IMAGE", "STATUS", "USED BY", "DETAIL"], images.map((f) => [f.image, f.status, users(f), f.detail])];
}

export function renderImageTable(images: ImageEntry[], wide = false): string {
  if (images.length === 0) return "no images in scope\n";
  const counts = new Map<string, number>();
  for (const f of images) counts.set(f.status, (counts.get(f.status) ?? 0) + 1);
  return `${renderRows(...imageShape(images, wide))}\n${images.length} images: ${[...counts].map(([s, n]) => `${n} ${s}`).join(", ")}\n`;
}

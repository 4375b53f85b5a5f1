import type { CelProgram } from "../../../core/cel.ts";
import { parseInstant } from "../../../core/clock.ts";
import { celVerdict } from "../../cel.ts";
import type { NamespaceCheck } from "../context.ts";

/**
 * `when.cel` on a namespace: `object` has the namespace's metadata (name, uid, creationTimestamp,
 * deletionTimestamp, labels, annotations) and status.phase. Unknown or future age never holds.
 */
export const cel: NamespaceCheck<CelProgram> = (ns, program, ctx) => {
  const created = parseInstant(ns.creationTimestamp);
  if (created === undefined || created > ctx.now) return { holds: false, reason: created === undefined ? "no creationTimestamp" : "created in the future" };
  const object = {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: ns.name, uid: ns.uid, creationTimestamp: ns.creationTimestamp, ...(ns.deletionTimestamp ? { deletionTimestamp: ns.deletionTimestamp } : {}), labels: ns.labels, annotations: ns.annotations },
    status: { phase: ns.phase ?? "Active" },
  };
  return celVerdict(program, object, ctx.now, ctx.now - created);
};

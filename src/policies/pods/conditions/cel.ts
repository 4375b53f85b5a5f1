import type { CelProgram } from "../../../core/cel.ts";
import { creationTime } from "../../../core/pod-facts.ts";
import { celVerdict } from "../../cel.ts";
import type { PodCheck } from "../../verdict.ts";

/** `when.cel` on a pod: `object` is the pod as the API serves it. Unknown or future age never holds. */
export const cel: PodCheck<CelProgram> = (pod, program, ctx) => {
  const created = creationTime(pod);
  if (created === undefined || created > ctx.now) return { holds: false, reason: created === undefined ? "no creationTimestamp" : "created in the future" };
  return celVerdict(program, pod, ctx.now, ctx.now - created);
};

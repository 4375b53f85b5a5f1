import { observedReasons } from "../../../core/pod-facts.ts";
import type { PodCheck } from "../../verdict.ts";

export const reasons: PodCheck<string[]> = (pod, wanted) => {
  const seen = observedReasons(pod);
  const hit = seen.find((r) => wanted.includes(r.reason));
  if (hit) return { holds: true, reason: `${hit.source} reason ${hit.reason}` };
  const names = [...new Set(seen.map((r) => r.reason))];
  return { holds: false, reason: names.length ? `no listed reason (seen ${names.join(", ")})` : "no reason reported" };
};

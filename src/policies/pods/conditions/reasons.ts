import { observedReasons } from "../../../core/pod-facts.ts";
import type { PodCheck } from "../../verdict.ts";

export const reasons: PodCheck<{ in: string[]; includeInitContainers?: boolean | undefined }> = (pod, param) => {
  const includeInit = param.includeInitContainers ?? false;
  const scope = includeInit ? " (init containers included)" : "";
  const seen = observedReasons(pod, includeInit);
  const hit = seen.find((r) => param.in.includes(r.reason));
  if (hit) return { holds: true, reason: `${hit.source} reason ${hit.reason}${scope}` };
  const names = [...new Set(seen.map((r) => r.reason))];
  return { holds: false, reason: `${names.length ? `no listed reason (seen ${names.join(", ")})` : "no reason reported"}${scope}` };
};

import type { PodCheck } from "../../verdict.ts";

export const phases: PodCheck<string[]> = (pod, wanted) => {
  const phase = pod.status?.phase;
  if (!phase) return { holds: false, reason: "phase not reported" };
  const holds = wanted.includes(phase);
  return { holds, reason: `phase ${phase} ${holds ? "in" : "not in"} [${wanted.join(", ")}]` };
};

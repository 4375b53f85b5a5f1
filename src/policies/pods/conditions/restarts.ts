import { totalRestarts } from "../../../core/pod-facts.ts";
import type { PodCheck } from "../../verdict.ts";

export const restarts: PodCheck<{ atLeast: number; includeInitContainers: boolean }> = (pod, param) => {
  const count = totalRestarts(pod, param.includeInitContainers);
  const scope = param.includeInitContainers ? " (init containers included)" : "";
  const holds = count >= param.atLeast;
  return { holds, reason: `restarts ${count} ${holds ? ">=" : "<"} ${param.atLeast}${scope}` };
};

import { observedExitCodes } from "../../../core/pod-facts.ts";
import type { PodCheck } from "../../verdict.ts";

export interface ExitCodesParam {
  in?: number[] | undefined;
  notIn?: number[] | undefined;
  includeZero: boolean;
  includeInitContainers?: boolean | undefined;
}

export const exitCodes: PodCheck<ExitCodesParam> = (pod, param) => {
  // An explicit `in: [0]` asks for zero as clearly as includeZero does.
  const zeroAllowed = param.includeZero || (param.in?.includes(0) ?? false);
  const accepts = (code: number) =>
    (code !== 0 || zeroAllowed) && (param.in === undefined || param.in.includes(code)) && !(param.notIn?.includes(code) ?? false);
  const includeInit = param.includeInitContainers ?? false;
  const seen = observedExitCodes(pod, includeInit);
  const scope = includeInit ? " (init containers included)" : "";
  const hit = seen.find((e) => accepts(e.exitCode));
  if (hit) {
    const state = hit.which === "current" ? "terminated" : "last terminated";
    return { holds: true, reason: `container ${hit.container} ${state} with exit code ${hit.exitCode}${scope}` };
  }
  const codes = seen.map((e) => e.exitCode);
  return { holds: false, reason: `${codes.length ? `no matching exit code (seen ${[...new Set(codes)].join(", ")})` : "no container has terminated"}${scope}` };
};

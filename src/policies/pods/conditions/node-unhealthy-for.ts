import { formatDuration } from "../../../core/duration.ts";
import type { PodCheck } from "../../verdict.ts";

export const nodeUnhealthyFor: PodCheck<number> = (pod, min, ctx) => {
  const nodeName = pod.spec?.nodeName;
  if (!nodeName) return { holds: false, reason: "not scheduled to a node" };
  // Without node data a missing node proves nothing; never treat "unknown" as "gone".
  if (!ctx.nodes) return { holds: false, reason: `node ${nodeName}: node information not available` };
  const node = ctx.nodes.get(nodeName);
  if (!node) return { holds: true, reason: `node ${nodeName} no longer exists` };
  if (node.ready === "True") return { holds: false, reason: `node ${nodeName} is Ready` };
  if (node.since === undefined) return { holds: false, reason: `node ${nodeName} Ready=${node.ready ?? "unreported"}, since when is unknown` };
  const duration = ctx.now - node.since;
  const holds = duration >= min;
  return { holds, reason: `node ${nodeName} Ready=${node.ready ?? "unreported"} for ${formatDuration(Math.max(0, duration))} ${holds ? ">=" : "<"} ${formatDuration(min)}` };
};

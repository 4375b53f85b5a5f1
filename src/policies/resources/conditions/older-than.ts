import { formatDuration } from "../../../core/duration.ts";
import type { ResourceCheck } from "../context.ts";

/** The minimum age: now - creationTimestamp >= value. */
export const olderThan: ResourceCheck<number> = (obj, min, ctx) => {
  const age = ctx.now - obj.created!;
  const holds = age >= min;
  return { holds, reason: `age ${formatDuration(age)} ${holds ? ">=" : "<"} ${formatDuration(min)}` };
};

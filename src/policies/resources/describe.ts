// A resource policy written back in the config file's own terms (`validate`).
import { formatDuration } from "../../core/duration.ts";
import type { ResourcePolicy } from "../../config/schema.ts";
import { describeMatch, dropUndefined, optionalDuration, type Plain } from "../../config/describe.ts";

export function describeResourcePolicy(p: ResourcePolicy): Plain {
  const m = p.match;
  const w = p.when;
  return dropUndefined({
    name: p.name,
    target: p.target,
    match: describeMatch(m),
    when: dropUndefined({
      ttl: w.ttl === undefined ? undefined : Number.isFinite(w.ttl) ? formatDuration(w.ttl) : "forever",
      expires: w.expires,
      olderThan: optionalDuration(w.olderThan),
      finishedFor: optionalDuration(w.finishedFor),
      unused: w.unused,
      cel: w.cel?.source,
    }),
    action: { delete: { propagationPolicy: p.action.propagationPolicy } },
    schedule: p.schedule ? dropUndefined({ ...p.schedule, window: formatDuration(p.schedule.window) }) : undefined,
    ignoreProtections: p.ignoreProtections,
  });
}

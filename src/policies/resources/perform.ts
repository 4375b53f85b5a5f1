// The one action of resource policies: read the object again, judge it again, then DELETE it with
// its uid as a precondition.
import type { ResourcePolicy } from "../../config/schema.ts";
import { objectPath } from "../../cluster/discovery.ts";
import { createResourceWriter } from "../../cluster/resource-writer.ts";
import { judged, lookedPerformer, reading, unlessMalformed, type Look } from "../../execute/fresh-look.ts";
import { blockersOf } from "../../plan/choose.ts";
import type { Action } from "../../plan/types.ts";
import type { Performer } from "../../execute/performers.ts";
import type { TargetRun } from "../target.ts";
import type { ResourceCollected } from "./collect.ts";
import { resourceObject, type ResourceObject } from "./context.ts";
import { evaluateResourcePolicy } from "./evaluate.ts";
import { resourceProtections, resourceProtectionsFor } from "./protections.ts";

export async function resourcePerformers(run: TargetRun<ResourcePolicy, ResourceCollected | undefined>): Promise<Record<"deleteResource", Performer>> {
  const writer = run.acts ? await createResourceWriter(await run.writerConfig(), run.api) : undefined;

  /**
   * A resource is read again and judged by the plan's evaluator. `unused` keeps the plan's
   * reference index (reading every pod and template again per object would cost a full read per
   * write); the uid, the annotations, the conditions about time and CEL are judged afresh.
   */
  const look = async (action: Action): Promise<Look<ResourceObject>> => {
    const { namespace: ns, name, uid, resource: served } = action.target;
    const policy = run.policies.find((p) => p.name === action.policy);
    const planned = run.details;
    if (!policy || !served || !planned) return { go: false, outcome: { status: "failed", detail: `policy ${action.policy} not found` } };
    const kind = { ...served, kind: action.target.kind, verbs: [] };
    const what = `${action.target.kind} ${ns ? `${ns}/` : ""}${name}`;
    const read = await reading(what, () => run.reader.object(objectPath(kind, ns, name), { kind: action.target.kind, name }));
    if ("failed" in read) return { go: false, outcome: read.failed };
    if (!read.value) return { go: false, outcome: { status: "gone", detail: "already deleted (not found when read again before the write)" } };
    const fresh = resourceObject(read.value, kind);
    if (fresh.uid !== uid) return { go: false, outcome: { status: "conflict", detail: `the object was replaced (uid ${fresh.uid}, planned ${uid}): left alone` } };
    let namespaces = planned.context.namespaces;
    if (served.namespaced && run.namespacesRead) {
      const nsRead = await run.namespaceAsNow(ns);
      if ("failed" in nsRead) return { go: false, outcome: nsRead.failed };
      namespaces = nsRead.value;
    }
    return unlessMalformed(() => {
      const now = run.now();
      const evaluation = evaluateResourcePolicy(fresh, policy, { ...planned.context, now, namespaces }, true);
      const protections = resourceProtectionsFor(resourceProtections(fresh, { ...planned.protectionContext, namespaces }), policy.ignoreProtections);
      const blockers = [
        ...protections.map((p) => `protected now: ${p.reason}`),
        ...(evaluation.error ? [`not judged: ${evaluation.error}`] : []),
        ...blockersOf([], policy.schedule, now),
      ];
      return judged(fresh, blockers, [...evaluation.match, ...evaluation.conditions], evaluation.conditions.map((c) => c.reason), action.reasons);
    });
  };

  return {
    deleteResource: lookedPerformer(look, (action, dryRun) => {
      if (!writer) throw new Error("no writer for this action kind");
      const spec = run.policies.find((p) => p.name === action.policy)?.action;
      return writer.deleteResource(action.target, dryRun, spec?.propagationPolicy ?? "Background");
    }),
  };
}

// Every resource condition at its boundaries: one table per condition, names stating input and outcome.
import { test } from "node:test";
import assert from "node:assert/strict";
import { resourceConditions } from "../../../src/policies/resources/conditions/index.ts";
import { resourceObject, type KubeObject, type ResourceContext } from "../../../src/policies/resources/context.ts";
import { evaluateResourcePolicy } from "../../../src/policies/resources/evaluate.ts";
import { ReferenceIndex } from "../../../src/policies/resources/references.ts";
import type { ResourceKind } from "../../../src/cluster/discovery.ts";
import { FOREVER } from "../../../src/core/duration.ts";
import { compileCel } from "../../../src/core/cel.ts";
import { parseConfigText } from "../../../src/config/load.ts";
import { hours, iso, minutes, T0 } from "../../fixtures/builders.ts";

const loadConfigText = (text: string) => {
  try {
    parseConfigText(text, "test.yaml");
    return "valid";
  } catch (error) {
    return (error as Error).message;
  }
};

const SECOND = 1000;
const kind = (resource: string, k: string, group = ""): ResourceKind => ({ group, version: group ? "v1" : "v1", resource, kind: k, namespaced: true, verbs: ["list", "delete"] });
const DEPLOYMENTS = kind("deployments", "Deployment", "apps");
const JOBS = kind("jobs", "Job", "batch");
const CONFIGMAPS = kind("configmaps", "ConfigMap");
const SECRETS = kind("secrets", "Secret");
const PVCS = kind("persistentvolumeclaims", "PersistentVolumeClaim");
const SERVICEACCOUNTS = kind("serviceaccounts", "ServiceAccount");
const WIDGETS = kind("widgets", "Widget", "example.com");

function build(k: ResourceKind, age: number, annotations: Record<string, string> = {}, extra: Partial<KubeObject> = {}, name = "obj") {
  return resourceObject({ apiVersion: k.group ? `${k.group}/v1` : "v1", kind: k.kind, metadata: { name, namespace: "apps", uid: `uid-${name}`, creationTimestamp: iso(T0 - age), annotations }, ...extra }, k);
}
const ctx = (references?: ReferenceIndex): ResourceContext => ({ now: T0, references });

type Case = [name: string, holds: boolean, run: () => { holds: boolean; reason: string }, reason?: RegExp];

const ttl: Case[] = [
  ["ttl: age exactly the policy's 7d holds", true, () => resourceConditions.ttl(build(WIDGETS, hours(168)), hours(168), ctx()), /age 7d >= ttl 7d \(policy\)/],
  ["ttl: a second under 7d does not hold", false, () => resourceConditions.ttl(build(WIDGETS, hours(168) - SECOND), hours(168), ctx())],
  ["ttl: janitor/ttl 5m overrides a policy forever", true, () => resourceConditions.ttl(build(WIDGETS, minutes(5), { "janitor/ttl": "5m" }), FOREVER, ctx()), /annotation janitor\/ttl/],
  ["ttl: janitor/ttl 2w in weeks", true, () => resourceConditions.ttl(build(WIDGETS, hours(336), { "janitor/ttl": "2w" }), FOREVER, ctx())],
  ["ttl: janitor/ttl FOREVER (any case) never expires", false, () => resourceConditions.ttl(build(WIDGETS, hours(10_000), { "janitor/ttl": "FOREVER" }), minutes(1), ctx()), /forever/],
  ["ttl: janitor/ttl without a unit is refused (kube-janitor refuses it)", false, () => resourceConditions.ttl(build(WIDGETS, hours(10), { "janitor/ttl": "60" }), minutes(1), ctx()), /not a kube-janitor TTL/],
  ["ttl: janitor/ttl 1h30m is refused (one unit only)", false, () => resourceConditions.ttl(build(WIDGETS, hours(10), { "janitor/ttl": "1h30m" }), minutes(1), ctx()), /not a kube-janitor TTL/],
  ["ttl: janitor/ttl 1.5h is refused", false, () => resourceConditions.ttl(build(WIDGETS, hours(10), { "janitor/ttl": "1.5h" }), minutes(1), ctx())],
  ["ttl: janitor/ttl 0s is refused (kube-janitor ignores 0)", false, () => resourceConditions.ttl(build(WIDGETS, hours(10), { "janitor/ttl": "0s" }), minutes(1), ctx()), /TTL of 0/],
  ["ttl: kube-sweeper.io/ttl takes Go durations (1h30m)", true, () => resourceConditions.ttl(build(DEPLOYMENTS, minutes(90), { "kube-sweeper.io/ttl": "1h30m" }), FOREVER, ctx())],
  ["ttl: kube-sweeper.io/ttl wins over janitor/ttl", false, () => resourceConditions.ttl(build(DEPLOYMENTS, minutes(5), { "kube-sweeper.io/ttl": "1h", "janitor/ttl": "1m" }), FOREVER, ctx())],
  ["ttl: an empty annotation counts as absent", true, () => resourceConditions.ttl(build(DEPLOYMENTS, hours(2), { "janitor/ttl": "" }), hours(1), ctx()), /\(policy\)/],
  ["ttl: policy forever and no annotation never holds", false, () => resourceConditions.ttl(build(DEPLOYMENTS, hours(10_000)), FOREVER, ctx())],
];

const expires: Case[] = [
  ["expires: janitor/expires 2026-11-21T09:59:59Z (a second ago) holds", true, () => resourceConditions.expires(build(DEPLOYMENTS, hours(1), { "janitor/expires": "2026-11-21T09:59:59Z" }), true, ctx()), /expired at 2026-11-21T09:59:59Z \(1s ago, janitor\/expires\)/],
  ["expires: janitor/expires exactly now holds", true, () => resourceConditions.expires(build(DEPLOYMENTS, hours(1), { "janitor/expires": "2026-11-21T10:00:00Z" }), true, ctx())],
  ["expires: janitor/expires 2026-11-21T10:00:01Z (a second ahead) does not hold", false, () => resourceConditions.expires(build(DEPLOYMENTS, hours(1), { "janitor/expires": "2026-11-21T10:00:01Z" }), true, ctx()), /in 1s/],
  ["expires: janitor/expires 2026-11-21T09:59 (minutes) holds", true, () => resourceConditions.expires(build(DEPLOYMENTS, hours(1), { "janitor/expires": "2026-11-21T09:59" }), true, ctx())],
  ["expires: janitor/expires 2026-11-21 (a date, midnight UTC) holds", true, () => resourceConditions.expires(build(DEPLOYMENTS, hours(1), { "janitor/expires": "2026-11-21" }), true, ctx())],
  ["expires: janitor/expires 2026-11-22 does not hold", false, () => resourceConditions.expires(build(DEPLOYMENTS, hours(1), { "janitor/expires": "2026-11-22" }), true, ctx())],
  ["expires: janitor/expires with an offset is refused (kube-janitor refuses it)", false, () => resourceConditions.expires(build(DEPLOYMENTS, hours(1), { "janitor/expires": "2026-11-21T09:00:00+01:00" }), true, ctx()), /not a kube-janitor expiry/],
  ["expires: kube-sweeper.io/expires takes an offset", true, () => resourceConditions.expires(build(DEPLOYMENTS, hours(1), { "kube-sweeper.io/expires": "2026-11-21T10:30:00+01:00" }), true, ctx())],
  ["expires: no annotation does not hold", false, () => resourceConditions.expires(build(DEPLOYMENTS, hours(1)), true, ctx()), /no kube-sweeper.io\/expires or janitor\/expires annotation/],
];

const olderThan: Case[] = [
  ["olderThan: exactly 30d holds", true, () => resourceConditions.olderThan(build(CONFIGMAPS, hours(720)), hours(720), ctx()), /age 30d >= 30d/],
  ["olderThan: a second under does not hold", false, () => resourceConditions.olderThan(build(CONFIGMAPS, hours(720) - SECOND), hours(720), ctx())],
];

const job = (conditions: unknown[]) => build(JOBS, hours(5), {}, { status: { conditions } });
const finishedFor: Case[] = [
  ["finishedFor: Complete exactly 1d ago holds", true, () => resourceConditions.finishedFor(job([{ type: "Complete", status: "True", lastTransitionTime: iso(T0 - hours(24)) }]), hours(24), ctx()), /Complete for 1d >= 1d/],
  ["finishedFor: Failed 1d ago holds", true, () => resourceConditions.finishedFor(job([{ type: "Failed", status: "True", lastTransitionTime: iso(T0 - hours(24)) }]), hours(24), ctx()), /Failed/],
  ["finishedFor: Complete a second short of 1d does not hold", false, () => resourceConditions.finishedFor(job([{ type: "Complete", status: "True", lastTransitionTime: iso(T0 - hours(24) + SECOND) }]), hours(24), ctx())],
  ["finishedFor: a running Job does not hold", false, () => resourceConditions.finishedFor(job([]), 0, ctx()), /not finished/],
  ["finishedFor: Complete False does not hold", false, () => resourceConditions.finishedFor(job([{ type: "Complete", status: "False", lastTransitionTime: iso(T0 - hours(48)) }]), 0, ctx())],
  ["finishedFor: finished in the future does not hold", false, () => resourceConditions.finishedFor(job([{ type: "Complete", status: "True", lastTransitionTime: iso(T0 + minutes(1)) }]), 0, ctx()), /future/],
  ["finishedFor: not a Job does not hold", false, () => resourceConditions.finishedFor(build(DEPLOYMENTS, hours(48)), 0, ctx()), /applies only to Jobs/],
];

// One pod spec per reference path; each makes exactly one object used.
const refs = new ReferenceIndex();
refs.addPodSpec("apps", { volumes: [{ name: "a", configMap: { name: "cm-volume" } }, { name: "b", secret: { secretName: "secret-volume" } }, { name: "c", persistentVolumeClaim: { claimName: "pvc-mounted" } }] });
refs.addPodSpec("apps", { volumes: [{ name: "p", projected: { sources: [{ configMap: { name: "cm-projected" } }, { secret: { name: "secret-projected" } }] } }] });
refs.addPodSpec("apps", { containers: [{ name: "x", envFrom: [{ configMapRef: { name: "cm-envfrom" } }, { secretRef: { name: "secret-envfrom" } }] }] });
refs.addPodSpec("apps", { initContainers: [{ name: "x", env: [{ name: "A", valueFrom: { configMapKeyRef: { name: "cm-valuefrom", key: "k" } } }, { name: "B", valueFrom: { secretKeyRef: { name: "secret-valuefrom", key: "k" } } }] }] });
refs.addPodSpec("apps", { imagePullSecrets: [{ name: "secret-pull" }], serviceAccountName: "sa-used" });
refs.addWorkload("apps", "CronJob", { spec: { jobTemplate: { spec: { template: { spec: { volumes: [{ name: "v", configMap: { name: "cm-cronjob" } }] } } } } } });
refs.addWorkload("apps", "StatefulSet", { metadata: { name: "db" }, spec: { replicas: 0, template: { spec: {} }, volumeClaimTemplates: [{ metadata: { name: "data" } }] } });
refs.addServiceAccount("apps", { secrets: [{ name: "secret-sa-token" }] });
refs.addPodSpec("other", { volumes: [{ name: "a", configMap: { name: "cm-elsewhere" } }] });

const used = (k: ResourceKind, name: string) => () => resourceConditions.unused(build(k, hours(1), {}, {}, name), true, ctx(refs));
const unused: Case[] = [
  ...["cm-volume", "cm-projected", "cm-envfrom", "cm-valuefrom", "cm-cronjob"].map((n): Case => [`unused: ConfigMap ${n} is referenced: does not hold`, false, used(CONFIGMAPS, n), /referenced/]),
  ...["secret-volume", "secret-projected", "secret-envfrom", "secret-valuefrom", "secret-pull", "secret-sa-token"].map((n): Case => [`unused: Secret ${n} is referenced: does not hold`, false, used(SECRETS, n), /referenced/]),
  ["unused: PVC mounted by a pod does not hold", false, used(PVCS, "pvc-mounted")],
  ["unused: PVC data-db-0 of a StatefulSet scaled to 0 does not hold", false, used(PVCS, "data-db-0")],
  ["unused: ServiceAccount named by a pod does not hold", false, used(SERVICEACCOUNTS, "sa-used")],
  ["unused: ServiceAccount default of pods without one does not hold", false, used(SERVICEACCOUNTS, "default")],
  ["unused: ConfigMap nobody refers to holds", true, used(CONFIGMAPS, "cm-orphan"), /referenced by no pod or pod template in apps/],
  ["unused: ConfigMap referenced only in another namespace holds", true, used(CONFIGMAPS, "cm-elsewhere")],
  ["unused: PVC nobody mounts holds", true, used(PVCS, "pvc-idle")],
  ["unused: PVC data-other-0 (no such StatefulSet) holds", true, used(PVCS, "data-other-0")],
  ["unused: Secret nobody refers to holds", true, used(SECRETS, "secret-orphan")],
  ["unused: a Deployment is not a kind unused applies to", false, () => resourceConditions.unused(build(DEPLOYMENTS, hours(1)), true, ctx(refs)), /ConfigMaps, Secrets, PersistentVolumeClaims and ServiceAccounts/],
  ["unused: references not read does not hold", false, () => resourceConditions.unused(build(CONFIGMAPS, hours(1)), true, ctx()), /not read/],
];

const program = (source: string) => {
  const compiled = compileCel(source);
  if (!compiled.ok) throw new Error(compiled.message);
  return compiled.program;
};
const deployment = (replicas: number, age = hours(100)) => build(DEPLOYMENTS, age, {}, { spec: { replicas } });
const cel: Case[] = [
  ["cel: replicas == 0 && age > 72h on 0 replicas, 100h old holds", true, () => resourceConditions.cel(deployment(0), program('object.spec.replicas == 0 && age > duration("72h")'), ctx()), /cel: object.spec.replicas == 0 && age > duration\("72h"\) is true/],
  ["cel: the same on 1 replica does not hold", false, () => resourceConditions.cel(deployment(1), program('object.spec.replicas == 0 && age > duration("72h")'), ctx()), /is false/],
  ["cel: the same at 72h exactly does not hold (>)", false, () => resourceConditions.cel(deployment(0, hours(72)), program('object.spec.replicas == 0 && age > duration("72h")'), ctx())],
  ["cel: now is bound", true, () => resourceConditions.cel(deployment(0), program('now == timestamp("2026-11-21T10:00:00Z")'), ctx())],
  ["cel: a missing field is a runtime error, reported, never holds", false, () => resourceConditions.cel(deployment(0), program("object.status.readyReplicas == 0"), ctx()), /cel error: .*status/i],
];

for (const [name, holds, run, reason] of [...ttl, ...expires, ...olderThan, ...finishedFor, ...unused, ...cel]) {
  test(name, () => {
    const verdict = run();
    assert.equal(verdict.holds, holds, verdict.reason);
    if (reason) assert.match(verdict.reason, reason);
  });
}

test("cel: a runtime error is marked as an error (the object is reported, not acted on)", () => {
  const verdict = resourceConditions.cel(deployment(0), program("object.status.readyReplicas == 0"), ctx());
  assert.equal(verdict.holds, false);
  assert.ok(verdict.error, "error flag set");
});

test("cel: an expression that runs too long is stopped and reported", () => {
  const big = build(DEPLOYMENTS, hours(1), {}, { spec: { items: Array.from({ length: 2000 }, (_, i) => i) } });
  const slow = program("object.spec.items.all(a, object.spec.items.all(b, object.spec.items.all(c, a + b + c >= 0)))");
  const started = Date.now();
  const verdict = resourceConditions.cel(big, slow, ctx());
  assert.equal(verdict.holds, false);
  assert.match(verdict.reason, /stopped after \d+ms/);
  assert.ok(verdict.error);
  assert.ok(Date.now() - started < 10_000, "stopped, not run to the end");
});

const compileErrors: [string, string, RegExp][] = [
  ["syntax error names line and column", "object.spec.replicas ==", /CEL syntax error at line 1, column 24/],
  ["unknown variable is a type error with its column", "age > duration(\"1h\") && foo == 1", /CEL type error at line 1, column 25: Unknown variable: foo/],
  ["int + duration is a type error", "age + 1 > age", /CEL type error at line 1, column 1/],
  ["second line column", "age > duration(\"1h\") &&\n  object.x ==", /line 2, column 14/],
  ["a non-bool expression is refused", "age", /returns google.protobuf.Duration, not bool/],
];
for (const [name, source, message] of compileErrors) {
  test(`cel compile: ${name}`, () => {
    const compiled = compileCel(source);
    assert.equal(compiled.ok, false);
    assert.match((compiled as { message: string }).message, message);
  });
}

test("cel compile error in a config names the policy path", () => {
  const result = loadConfigText(`policies:\n  - name: x\n    target: resources\n    match: {kinds: [deployments.apps]}\n    when: {cel: "object.spec.replicas =="}\n    action: delete\n`);
  assert.match(result, /policies\[0\]\.when\.cel: CEL syntax error at line 1, column 24/);
});

test("age unknown or in the future satisfies no condition", () => {
  const future = resourceObject({ metadata: { name: "f", namespace: "apps", uid: "u", creationTimestamp: iso(T0 + minutes(5)), annotations: { "janitor/ttl": "1s" } } }, WIDGETS);
  const unknown = resourceObject({ metadata: { name: "u", namespace: "apps", uid: "u2", annotations: { "janitor/expires": "2000-01-01" } } }, WIDGETS);
  const policy = { name: "p", target: "resources" as const, match: { kinds: ["widgets.example.com"] }, when: { ttl: 1000, expires: true }, action: { kind: "deleteResource" as const, propagationPolicy: "Background" as const } };
  for (const obj of [future, unknown]) {
    const e = evaluateResourcePolicy(obj, policy as never, ctx());
    assert.equal(e.matched, false);
    assert.ok(e.conditions.every((c: { holds: boolean; reason: string }) => !c.holds && /no condition holds/.test(c.reason)), JSON.stringify(e.conditions));
  }
});

test("every resource condition in the registry has boundary cases above", () => {
  const covered = new Set([...ttl, ...expires, ...olderThan, ...finishedFor, ...unused, ...cel].map(([name]) => name.split(":")[0]));
  for (const key of Object.keys(resourceConditions)) assert.ok(covered.has(key), `no case for ${key}`);
});

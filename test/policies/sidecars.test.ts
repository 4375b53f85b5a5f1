// Sidecar qualification: every restartPolicy, exit codes under OnFailure, native sidecars,
// partially stopped sidecars, missing statuses, each way of recognising a sidecar, lingeringFor.
import { test } from "node:test";
import assert from "node:assert/strict";
import { qualifySidecars } from "../../src/policies/sidecars/qualify.ts";
import { parseConfigText } from "../../src/config/load.ts";
import type { SidecarPolicy } from "../../src/config/schema.ts";
import type { ContainerState, Pod } from "../../src/core/k8s.ts";
import { buildPod, iso, minutes, T0 } from "../fixtures/builders.ts";

function policy(extra = ""): SidecarPolicy {
  const config = parseConfigText(`policies:\n  - {name: side, target: sidecars, action: terminate${extra}}\n`, "c.yaml");
  return config.policies[0] as SidecarPolicy;
}

const done = (code: number, ago = minutes(10)): ContainerState => ({ terminated: { exitCode: code, reason: code ? "Error" : "Completed", finishedAt: iso(T0 - ago) } });
const running: ContainerState = { running: { startedAt: iso(T0 - minutes(30)) } };

/** A Job pod: main container `app` and sidecar `proxy` marked as the policy asks. */
function jobPod(opts: { restartPolicy?: string; app?: ContainerState; proxy?: ContainerState; phase?: string; mark?: "names" | "kruise" | "kubexit" | "annotation" | "none" } = {}, tweak?: (p: Pod) => void): Pod {
  return buildPod({ name: "job-1", owner: { kind: "Job", name: "job" }, phase: opts.phase ?? "Running" }, (p) => {
    const mark = opts.mark ?? "kruise";
    p.spec!.restartPolicy = opts.restartPolicy ?? "Never";
    p.spec!.containers = [
      { name: "app", image: "app:1" },
      {
        name: "proxy",
        image: "proxy:1",
        env: mark === "kruise" ? [{ name: "KRUISE_TERMINATE_SIDECAR_WHEN_JOB_EXIT", value: "true" }] : mark === "kubexit" ? [{ name: "KUBEXIT_DEATH_DEPS", value: "app" }] : [],
      },
    ];
    if (mark === "annotation") p.metadata!.annotations = { "kube-sweeper.io/sidecars": "proxy" };
    p.status!.containerStatuses = [
      { name: "app", state: opts.app ?? done(0) },
      { name: "proxy", state: opts.proxy ?? running },
    ];
    tweak?.(p);
  });
}

const cases: [string, Pod, SidecarPolicy, boolean, RegExp][] = [
  ["Never, main exited 0, sidecar running (Kruise env) -> qualifies", jobPod(), policy(), true, /main containers done: app exited 0/],
  ["Never, main exited 1 -> qualifies (the Job failed; the sidecar still blocks it)", jobPod({ app: done(1) }), policy(), true, /app exited 1/],
  ["OnFailure, main exited 0 -> qualifies", jobPod({ restartPolicy: "OnFailure" }), policy(), true, /restartPolicy OnFailure/],
  ["OnFailure, main exited 2 -> no: it will be restarted", jobPod({ restartPolicy: "OnFailure", app: done(2) }), policy(), false, /exited 2 under restartPolicy OnFailure/],
  ["Always -> never", jobPod({ restartPolicy: "Always" }), policy(), false, /restartPolicy Always: not a Job-style pod/],
  ["Pending -> never", jobPod({ phase: "Pending" }), policy(), false, /phase Pending/],
  ["terminating -> never", jobPod({}, (p) => (p.metadata!.deletionTimestamp = iso(T0))), policy(), false, /pod is terminating/],
  ["main still running -> no", jobPod({ app: running }), policy(), false, /main container app has not terminated/],
  ["no status for the main container -> no", jobPod({}, (p) => (p.status!.containerStatuses = [{ name: "proxy", state: running }])), policy(), false, /no status for main container app/],
  ["sidecar already stopped -> no", jobPod({ proxy: done(0) }), policy(), false, /no sidecar is still running/],
  ["recognised by sidecars.names", jobPod({ mark: "none" }), policy(", sidecars: {names: [proxy]}"), true, /proxy \(sidecars\.names\)/],
  ["recognised by KUBEXIT_DEATH_DEPS naming a main container", jobPod({ mark: "kubexit" }), policy(), true, /proxy \(env KUBEXIT_DEATH_DEPS=app\)/],
  ["recognised by the kube-sweeper.io/sidecars annotation", jobPod({ mark: "annotation" }), policy(), true, /annotation kube-sweeper\.io\/sidecars/],
  ["no marker at all -> every container is a main container", jobPod({ mark: "none" }), policy(), false, /no sidecar recognised/],
  ["lingeringFor 10m, finished exactly 10m ago -> qualifies", jobPod(), policy(", when: {lingeringFor: 10m}"), true, /lingering 10m >= 10m/],
  ["lingeringFor 10m, finished 9m59s ago -> no", jobPod({ app: done(0, minutes(10) - 1000) }), policy(", when: {lingeringFor: 10m}"), false, /lingering 9m59s < 10m/],
];

for (const [name, pod, p, matched, reason] of cases) {
  test(`sidecars: ${name}`, () => {
    const verdict = qualifySidecars(pod, p, T0);
    assert.equal(verdict.matched, matched, verdict.checks.map((c) => c.reason).join("; "));
    assert.ok(verdict.checks.some((c) => reason.test(c.reason)), verdict.checks.map((c) => c.reason).join("; "));
    if (matched) assert.deepEqual(verdict.running, ["proxy"]);
  });
}

test("sidecars: two sidecars, one already stopped -> only the running one is terminated", () => {
  const pod = jobPod({}, (p) => {
    p.spec!.containers!.push({ name: "logs", env: [{ name: "KRUISE_TERMINATE_SIDECAR_WHEN_JOB_EXIT", value: "true" }] });
    p.status!.containerStatuses!.push({ name: "logs", state: done(0) });
  });
  const verdict = qualifySidecars(pod, policy(), T0);
  assert.deepEqual(verdict.running, ["proxy"]);
  assert.ok(verdict.checks.some((c) => /already stopped: logs/.test(c.reason)));
});

test("sidecars: a native sidecar (init container, restartPolicy Always) is never touched, and explain says why", () => {
  const pod = jobPod({ mark: "none" }, (p) => {
    p.spec!.initContainers = [{ name: "mesh", restartPolicy: "Always" }];
  });
  const verdict = qualifySidecars(pod, policy(", sidecars: {names: [mesh]}"), T0);
  assert.equal(verdict.matched, false);
  assert.ok(verdict.checks.some((c) => /native sidecar mesh .* never touched/.test(c.reason)));
});

test("sidecars: config spellings of terminate", () => {
  assert.deepEqual(policy().action, { kind: "terminate", via: "exec", command: ["kill", "-TERM", "1"], timeout: 10_000 });
  const http = (parseConfigText("policies:\n  - {name: s, target: sidecars, action: {terminate: {http: {port: 15020, path: /quitquitquit}}}}\n", "c.yaml").policies[0] as SidecarPolicy).action;
  assert.deepEqual(http, { kind: "terminate", via: "http", http: { port: 15020, path: "/quitquitquit", method: "POST" }, timeout: 10_000 });
  assert.throws(() => parseConfigText("policies:\n  - {name: s, target: sidecars, action: {terminate: {exec: [x], http: {port: 1}}}}\n", "c.yaml"), /give exec or http, not both/);
});

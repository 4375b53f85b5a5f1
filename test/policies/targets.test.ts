// The claim of policies/target.ts: a target kind built as a module is one folder plus one line in
// policies/targets.ts. These tests fail when a kind is wired by hand somewhere else, when an action
// kind or a policy target has no owner or two, or when a module's action has no performer.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { actionKinds, HAND_WIRED_ACTION_KINDS, HAND_WIRED_TARGETS, TARGETS, targetModules } from "../../src/policies/targets.ts";
import type { TargetModule } from "../../src/policies/target.ts";
import { parseConfigText } from "../../src/config/load.ts";

const SRC = join(import.meta.dirname, "../../src");
const sourceFiles = (dir: string): string[] => readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? sourceFiles(join(dir, f)) : f.endsWith(".ts") ? [join(dir, f)] : []));

test("every action kind is owned once: by the hand-wired set or by exactly one module, with an Event reason", () => {
  const all = actionKinds();
  assert.equal(new Set(all).size, all.length, `an action kind is declared twice: ${all.join(", ")}`);
  for (const module of targetModules()) {
    assert.ok(module.actionKinds.length > 0, `module ${module.target} declares no action kind`);
    for (const kind of module.actionKinds) {
      assert.ok(!(HAND_WIRED_ACTION_KINDS as readonly string[]).includes(kind), `${kind} is both hand-wired and owned by module ${module.target}`);
      assert.ok(module.events[kind]?.reason, `module ${module.target}: action ${kind} has no Event reason`);
    }
  }
});

test("every policy target the config accepts is hand-wired or owned by exactly one module", () => {
  const moduleTargets = targetModules().map((m) => m.target);
  assert.equal(new Set([...HAND_WIRED_TARGETS, ...moduleTargets]).size, HAND_WIRED_TARGETS.length + moduleTargets.length, "a target is owned twice");
  // The config names every target it accepts when given one it does not.
  const yaml = "policies:\n- name: x\n  target: no-such-target\n";
  const message = (() => {
    try {
      parseConfigText(yaml, "inline.yaml");
    } catch (error) {
      return (error as Error).message;
    }
    return "";
  })();
  const accepted = [...message.matchAll(/"([a-z-]+)"/g)].map((m) => m[1]).filter((t) => t !== "no-such-target");
  assert.deepEqual([...accepted].sort(), [...HAND_WIRED_TARGETS, ...moduleTargets].sort(), message);
});

test("a module's folder is wired only through the registry: no other file imports it or names its target or action kinds", () => {
  for (const folder of TARGETS) {
    const module = folder.module;
    const dir = join(SRC, "policies", module.target);
    assert.ok(statSync(dir).isDirectory(), `module ${module.target} lives in src/policies/${module.target}/`);
    const outside = sourceFiles(SRC).filter((f) => !f.startsWith(dir + "/") && relative(SRC, f) !== join("policies", "targets.ts"));
    for (const file of outside) {
      const text = readFileSync(file, "utf8");
      const where = relative(SRC, file);
      assert.doesNotMatch(text, new RegExp(`from "[^"]*policies/${module.target}/`), `${where} imports from src/policies/${module.target}/: reach it through the registry`);
      assert.doesNotMatch(text, new RegExp(`(===|!==) "${module.target}"`), `${where} tests for target "${module.target}" by name`);
      for (const kind of module.actionKinds) assert.doesNotMatch(text, new RegExp(`["']${kind}["']`), `${where} names action kind ${kind}`);
    }
  }
});

test("a module whose action kind has no performer or no Event does not compile", () => {
  type Kinds = "archive" | "label";
  // @ts-expect-error -- "label" is missing: a module's performers are a Record of its kinds
  const performers: Awaited<ReturnType<TargetModule<never, unknown, Kinds>["performers"]>> = { archive: async () => ({ status: "done", detail: "" }) };
  // @ts-expect-error -- the Events must name every action kind too
  const events: TargetModule<never, unknown, Kinds>["events"] = { archive: { reason: "Archived", action: "Archive" } };
  assert.ok(performers && events);
});

// `init`: the starter config a newcomer gets is commented, valid for the tool and for the
// published schema, usable at once (plan), and never overwrites a config.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import Ajv2020Module from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { parse as parseYaml } from "yaml";
import { runCli } from "../helpers/cli.ts";

const root = new URL("../../", import.meta.url).pathname;
const ajv = new Ajv2020Module.default({ strict: true, allErrors: true });
addFormatsModule.default(ajv);
const validate = ajv.compile(JSON.parse(readFileSync(join(root, "schema/kube-sweeper.schema.json"), "utf8")));

test("init writes a commented starter that validates (tool and schema) and plans; a second init refuses, exit 2, file unchanged", async () => {
  const cwd = mkdtempSync(join(tmpdir(), "ks-init-"));
  const first = await runCli(["init"], { cwd });
  assert.equal(first.code, 0, first.stderr);
  const file = join(cwd, "kube-sweeper.yaml");
  const text = readFileSync(file, "utf8");
  assert.ok(text.split("\n").filter((l) => l.trim().startsWith("#")).length >= 15, "commented");
  const modeline = /^# yaml-language-server: \$schema=(\S+)$/m.exec(text)?.[1];
  assert.equal(resolve(dirname(file), modeline ?? ""), join(root, "schema/kube-sweeper.schema.json"));
  assert.ok(validate(parseYaml(text)), ajv.errorsText(validate.errors));
  const checked = await runCli(["validate", "-o", "json"], { cwd });
  assert.equal(checked.code, 0, checked.stderr);
  const plan = await runCli(["plan", "--snapshot", join(root, "examples/cluster-snapshot.json"), "-o", "json", "--now", "2026-11-21T10:00:00Z"], { cwd });
  assert.equal(plan.code, 0, plan.stderr);
  const planned = JSON.parse(plan.stdout) as { actions: { target: { namespace?: string } }[]; abortReason?: string };
  assert.ok(planned.actions.length > 0, "the starter finds the snapshot's crash-looping pod");
  assert.equal(planned.abortReason, undefined);
  assert.ok(planned.actions.every((a) => a.target.namespace !== "kube-system"), "the built-in protected namespaces stay protected");

  writeFileSync(file, "# mine\n" + text);
  const again = await runCli(["init"], { cwd });
  assert.equal(again.code, 2);
  assert.match(again.stderr, /^kube-sweeper: .*kube-sweeper\.yaml exists; init never overwrites/);
  assert.equal(again.stderr.trim().split("\n").length, 1);
  assert.ok(readFileSync(file, "utf8").startsWith("# mine\n"));
});

test("init -c FILE writes there; --stdout prints the starter and writes nothing", async () => {
  const cwd = mkdtempSync(join(tmpdir(), "ks-init-"));
  const there = await runCli(["init", "-c", "ops/sweeper.yaml"], { cwd });
  assert.equal(there.code, 2, "the folder does not exist: one line, exit 2");
  assert.match(there.stderr, /^kube-sweeper: cannot write .*ops\/sweeper\.yaml/);
  const ok = await runCli(["init", "-c", "sweeper.yaml"], { cwd });
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(readFileSync(join(cwd, "sweeper.yaml"), "utf8"), /name: crash-looping/);
  const printed = await runCli(["init", "--stdout"], { cwd });
  assert.equal(printed.code, 0);
  assert.ok(validate(parseYaml(printed.stdout)));
});

// The published JSON Schema: generated from the zod schema, accepted by a real JSON Schema
// validator (ajv, draft 2020-12) for every shipped example, and in agreement with the zod
// validator on a fuzzed corpus: the schema never flags a config the tool accepts, and whatever
// the schema lets through that the tool refuses is refused by a check JSON Schema cannot express
// (a duration's syntax, a regular expression, a selector, a cron line, duplicate names).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import fc from "fast-check";
import Ajv2020Module from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { parse as parseYaml } from "yaml";
import { configJsonSchema } from "../../src/config/json-schema.ts";
import { configSchema } from "../../src/config/schema.ts";

const root = new URL("../../", import.meta.url).pathname;
const schemaFile = join(root, "schema/kube-sweeper.schema.json");
const published = JSON.parse(readFileSync(schemaFile, "utf8")) as Record<string, unknown>;
// ajv ships CommonJS with a default export.
const Ajv2020 = Ajv2020Module.default;
const addFormats = addFormatsModule.default;
const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats(ajv);
const validateWithSchema = ajv.compile(published);

const exampleFiles = readdirSync(join(root, "examples")).filter((f) => f.endsWith(".yaml")).map((f) => join(root, "examples", f));
const examples = exampleFiles.map((file) => ({ file, text: readFileSync(file, "utf8") }));

test("the committed schema is exactly what the generator makes from the zod schema (npm run schema)", () => {
  assert.deepEqual(published, JSON.parse(JSON.stringify(configJsonSchema())));
});

test("every shipped example names the schema in a yaml-language-server modeline and validates against it (ajv) and with the tool (zod)", () => {
  assert.ok(examples.length >= 3);
  assert.ok(configSchema.safeParse(seeds.at(-1)).success, "the extra seed is a valid config");
  for (const { file, text } of examples) {
    const modeline = /^# yaml-language-server: \$schema=(\S+)$/m.exec(text)?.[1];
    assert.ok(modeline, `${file}: no modeline`);
    assert.equal(resolve(dirname(file), modeline), schemaFile, `${file}: the modeline does not lead to the schema`);
    const value = parseYaml(text) as unknown;
    assert.ok(validateWithSchema(value), `${file}: ${ajv.errorsText(validateWithSchema.errors)}`);
    assert.ok(configSchema.safeParse(value).success, file);
  }
});

// --- the fuzzed corpus: the examples, each mutated at one random place ---

type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

function paths(value: JsonValue, at: (string | number)[] = []): (string | number)[][] {
  const own = [at];
  if (Array.isArray(value)) return [...own, ...value.flatMap((v, i) => paths(v, [...at, i]))];
  if (value && typeof value === "object") return [...own, ...Object.entries(value).flatMap(([k, v]) => paths(v, [...at, k]))];
  return own;
}

type Mutation = { kind: "replace"; with: JsonValue } | { kind: "delete" } | { kind: "add"; key: string; with: JsonValue };

function mutate(value: JsonValue, path: (string | number)[], mutation: Mutation): JsonValue {
  const copy = structuredClone(value);
  if (path.length === 0) return mutation.kind === "replace" ? mutation.with : copy;
  const parent = path.slice(0, -1).reduce<JsonValue>((v, k) => (v as Record<string, JsonValue>)[k as string]!, copy) as Record<string, JsonValue> | JsonValue[];
  const key = path.at(-1)!;
  if (mutation.kind === "replace") (parent as Record<string, JsonValue>)[key as string] = mutation.with;
  else if (mutation.kind === "delete") {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key as string];
  } else {
    const target = (parent as Record<string, JsonValue>)[key as string];
    if (target && typeof target === "object" && !Array.isArray(target)) target[mutation.key] = mutation.with;
  }
  return copy;
}

// Values that sit on the boundaries of what the schema and the validator accept.
const interesting: JsonValue[] = ["", "5m", "1h30m", "7x", "forever", "0", -1, 0, 1.5, 2 ** 53, 101, "deleteNamespace", "scaleDown", "webhook", "report", "terminate", "pods", "namespaces", "sidecars", "images", "resources", "Deployment", "ftp://example.com/hook", "https://example.com/hook", "app=web", "a b c", "(a+)+$", "^web-", "0 20 * * 1-5", "Mars/Olympus", null, true, [], {}, [""], ["apps"], { count: 1 }];
const value = fc.oneof(fc.constantFrom(...interesting), fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<JsonValue>);
const keys = fc.oneof(fc.constantFrom("name", "target", "match", "when", "action", "settings", "ttl", "cron", "kinds", "x-unknown", "selector", "timeout", "webhook", "report"), fc.string({ maxLength: 8 }));
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: value.map((v) => ({ kind: "replace" as const, with: v })) },
  { weight: 1, arbitrary: fc.constant({ kind: "delete" as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("add" as const), key: keys, with: value }) },
);
// Seeds beside the examples, so every target, action form and shorthand is in the corpus.
const seeds = [
  ...examples.map((e) => parseYaml(e.text) as JsonValue),
  parseYaml(`
settings: {registries: {plainHttp: ["registry.local:5000"], mirrors: {docker.io: "mirror.local"}, timeout: 5s}, lock: {namespace: ops}}
policies:
  - {name: lingering, target: sidecars, sidecars: {names: [istio-proxy]}, when: {lingeringFor: 5m}, action: terminate}
  - {name: http-stop, target: sidecars, action: {terminate: {http: {port: 15020, path: /quitquitquit}, timeout: 10s}}}
  - {name: gone-images, target: images, action: report}
  - {name: tell-us, target: images, action: {webhook: {url: "https://hooks.example.com/x", secretEnv: HOOK_SECRET, retries: 2}}}
  - {name: evening, target: pods, match: {namespaces: [dev], excludeOwnerKinds: [Job]}, when: {phases: [Failed], olderThan: 1h}, action: evict, schedule: {cron: "0 20 * * 1-5", window: 2h, timeZone: Europe/Berlin}}
  - {name: init-errors, target: pods, when: {reasons: {in: [Error], includeInitContainers: true}, terminatingFor: 10m, nodeUnhealthyFor: 5m}, action: {delete: {gracePeriodSeconds: 0}}}
  - {name: scale, target: namespaces, match: {namespaceSelector: "env=preview"}, when: {ttl: forever, expires: true}, action: {scaleDown: {kinds: [Deployment], selector: "tier!=db"}}}
`) as JsonValue,
];
const corpus = fc
  .record({ example: fc.constantFrom(...seeds), pick: fc.nat(), mutation })
  .map(({ example, pick, mutation }) => {
    const all = paths(example);
    return mutate(example, all[pick % all.length]!, mutation);
  });

test("schema and validator agree on a fuzzed corpus (fast-check): accepted by the tool => accepted by the schema; passed by the schema but refused => only by checks JSON Schema cannot express", () => {
  let bothAccept = 0;
  let bothRefuse = 0;
  let semanticOnly = 0;
  fc.assert(
    fc.property(corpus, (config) => {
      const tool = configSchema.safeParse(config);
      const schema = validateWithSchema(config);
      if (tool.success) {
        assert.ok(schema, `the schema refuses a config the tool accepts: ${JSON.stringify(config)}\n${ajv.errorsText(validateWithSchema.errors)}`);
        bothAccept++;
      } else if (schema) {
        const structural = tool.error.issues.filter((i) => i.code !== "custom");
        assert.deepEqual(structural, [], `the schema lets through what the tool refuses structurally: ${JSON.stringify(config)}`);
        semanticOnly++;
      } else bothRefuse++;
    }),
    { numRuns: 3000, seed: Number(process.env.KS_FUZZ_SEED ?? 20261121) },
  );
  // The corpus must exercise each side, or the property says little.
  assert.ok(bothAccept > 100 && bothRefuse > 100 && semanticOnly > 10, `accept ${bothAccept}, refuse ${bothRefuse}, semantic-only ${semanticOnly}`);
});

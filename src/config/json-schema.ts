// The config's JSON Schema, generated from the zod schema that validates it (never kept by hand).
// JSON Schema describes what a user writes (zod's "input" side). Where the zod source parses
// opaquely (a transform, a preprocess, a refinement in front of a union), the schema next to it
// says what it accepts through metadata (`.meta`), and `alsoAccepts` adds a shorthand form.
import * as z from "zod";
import { configSchema } from "./schema.ts";

export const SCHEMA_ID = "https://kube-sweeper.io/schemas/v1alpha1/kube-sweeper.schema.json";

type Json = Record<string, unknown>;
type Options = NonNullable<Parameters<typeof z.toJSONSchema>[1]>;

const options: Options = {
  io: "input",
  unrepresentable: "any",
  override: (ctx) => {
    const def = (ctx.zodSchema as unknown as { _zod: { def: { type: string; in?: z.ZodType; out?: z.ZodType; shape?: Record<string, z.ZodType> } } })._zod.def;
    const schema = ctx.jsonSchema as Json;
    // A preprocess would make its key look optional (its function takes anything, undefined too);
    // whether the key may be left out is its inner schema's business.
    if (def.type === "object" && def.shape) {
      const required = new Set((schema.required as string[] | undefined) ?? []);
      for (const [key, field] of Object.entries(def.shape)) {
        const inner = preprocessed(field);
        if (inner && inner._zod.optin !== "optional") required.add(key);
      }
      if (required.size) schema.required = [...required];
    }
    // A refinement on `unknown` in front of a real schema (policies): describe the real one.
    if (def.type === "pipe" && def.in?._zod.def.type === "unknown" && def.out && def.out._zod.def.type !== "transform") {
      const { $schema: _drop, ...inner } = z.toJSONSchema(def.out, options) as Json;
      Object.assign(schema, inner);
    }
    if (schema.alsoAccepts) {
      const { alsoAccepts, description, default: byDefault, ...rest } = schema;
      for (const key of Object.keys(schema)) delete schema[key];
      Object.assign(schema, { ...(description ? { description } : {}), ...(byDefault !== undefined ? { default: byDefault } : {}), anyOf: [alsoAccepts, rest] });
    }
  },
};

type PipeDef = { type: string; in?: z.ZodType; out?: z.ZodType };
/**
 * The schema a z.preprocess(...) hands its result to (the pipe from a transform, possibly wrapped
 * in further pipes by .transform()); undefined when this is not a preprocess.
 */
function preprocessed(schema: z.ZodType): z.ZodType | undefined {
  const def = schema._zod.def as PipeDef;
  if (def.type !== "pipe" || !def.in) return undefined;
  return def.in._zod.def.type === "transform" ? def.out : preprocessed(def.in);
}

export function configJsonSchema(): Json {
  const generated = z.toJSONSchema(configSchema, options) as Json;
  return { $schema: generated.$schema, $id: SCHEMA_ID, title: "kube-sweeper config (SweeperConfig)", ...generated };
}

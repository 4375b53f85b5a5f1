// Writes schema/kube-sweeper.schema.json from the zod schema (npm run schema). A test fails when
// the committed file and the generator disagree, so it is never edited by hand.
import { writeFileSync } from "node:fs";
import { configJsonSchema } from "../src/config/json-schema.ts";

export const SCHEMA_FILE = new URL("../schema/kube-sweeper.schema.json", import.meta.url);
writeFileSync(SCHEMA_FILE, `${JSON.stringify(configJsonSchema(), null, 2)}\n`);

// Every namespace condition, keyed as in the config; a missing one does not compile.
import type { NamespaceConditions } from "../../../config/schema.ts";
import type { NamespaceCheck } from "../context.ts";
import { ttl } from "./ttl.ts";
import { expires } from "./expires.ts";
import { podsSucceeded } from "./pods-succeeded.ts";
import { cel } from "./cel.ts";

type Registry = { [K in keyof NamespaceConditions]-?: NamespaceCheck<NonNullable<NamespaceConditions[K]>> };

export const namespaceConditions: Registry = { ttl, expires, podsSucceeded, cel };

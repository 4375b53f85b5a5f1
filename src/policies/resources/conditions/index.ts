// Every resource condition, keyed as in the config; the mapped type makes a missing one a compile error.
import type { ResourceConditions } from "../../../config/schema.ts";
import type { ResourceCheck } from "../context.ts";
import { ttl } from "./ttl.ts";
import { expires } from "./expires.ts";
import { olderThan } from "./older-than.ts";
import { finishedFor } from "./finished-for.ts";
import { unused } from "./unused.ts";
import { cel } from "./cel.ts";

type Registry = { [K in keyof ResourceConditions]-?: ResourceCheck<NonNullable<ResourceConditions[K]>> };

export const resourceConditions: Registry = { ttl, expires, olderThan, finishedFor, unused, cel };

// Every pod condition, keyed as in the config; the mapped type makes a missing one a compile error.
import type { PodConditions } from "../../../config/schema.ts";
import type { PodCheck } from "../../verdict.ts";
import { restarts } from "./restarts.ts";
import { exitCodes } from "./exit-codes.ts";
import { reasons } from "./reasons.ts";
import { phases } from "./phases.ts";
import { olderThan, lifetimeOver } from "./age.ts";
import { unreadyFor } from "./unready-for.ts";
import { nodeUnhealthyFor } from "./node-unhealthy-for.ts";
import { terminatingFor } from "./terminating-for.ts";
import { cel } from "./cel.ts";

type ConditionRegistry = { [K in keyof PodConditions]-?: PodCheck<NonNullable<PodConditions[K]>> };

export const podConditions: ConditionRegistry = {
  restarts,
  exitCodes,
  reasons,
  phases,
  olderThan,
  lifetimeOver,
  unreadyFor,
  nodeUnhealthyFor,
  terminatingFor,
  cel,
};

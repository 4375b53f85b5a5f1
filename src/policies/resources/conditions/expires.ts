import { expiresVerdict } from "../../annotation-time.ts";
import type { ResourceCheck } from "../context.ts";

/** The object's kube-sweeper.io/expires (or kube-janitor's janitor/expires) time has come. */
export const expires: ResourceCheck<boolean> = (obj, enabled, ctx) => expiresVerdict(obj.annotations, enabled, ctx.now);

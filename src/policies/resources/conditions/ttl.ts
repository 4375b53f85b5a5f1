import { ttlVerdict } from "../../annotation-time.ts";
import type { ResourceCheck } from "../context.ts";

/**
 * Age from creation against the TTL. The object's own kube-sweeper.io/ttl, or kube-janitor's
 * janitor/ttl read exactly as kube-janitor reads it, overrides the policy's value.
 */
export const ttl: ResourceCheck<number> = (obj, configured, ctx) => ttlVerdict(obj.annotations, configured, obj.created, ctx.now);

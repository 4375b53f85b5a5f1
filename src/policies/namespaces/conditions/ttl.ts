import { parseInstant } from "../../../core/clock.ts";
import { ttlVerdict } from "../../annotation-time.ts";
import type { NamespaceCheck } from "../context.ts";

/** Age from creation against the TTL; a per-namespace annotation overrides the policy's value. */
export const ttl: NamespaceCheck<number> = (ns, configured, ctx) => ttlVerdict(ns.annotations, configured, parseInstant(ns.creationTimestamp), ctx.now);

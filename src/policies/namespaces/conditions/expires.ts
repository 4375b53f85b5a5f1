import { expiresVerdict } from "../../annotation-time.ts";
import type { NamespaceCheck } from "../context.ts";

/** The namespace's kube-sweeper.io/expires (or kube-janitor's janitor/expires) time has come. */
export const expires: NamespaceCheck<boolean> = (ns, enabled, ctx) => expiresVerdict(ns.annotations, enabled, ctx.now);

// The only code that deletes resource targets (any kind, custom resources included). Every
// DELETE carries the planned uid as a precondition, so an object deleted and recreated under the
// same name is never hit, and the policy's propagationPolicy (Background by default: the object
// goes at once and the garbage collector removes its dependents; Foreground: the object stays,
// with a deletionTimestamp, until its dependents are gone; Orphan: dependents are left).
// https://kubernetes.io/docs/concepts/architecture/garbage-collection/#cascading-deletion
import http from "node:http";
import https from "node:https";
import type { KubeConfig } from "@kubernetes/client-node";
import { apiErrorFromStatus, ApiError, toApiError } from "./api-error.ts";
import type { ApiPolicy } from "./api-policy.ts";
import { objectPath } from "./discovery.ts";
import { dryRunOutcome, preconditions, writeFailure, type Outcome } from "./pod-writer.ts";
import type { TargetRef } from "../plan/types.ts";

export type PropagationPolicy = "Background" | "Foreground" | "Orphan";

export interface ResourceWriter {
  deleteResource(target: TargetRef, dryRun: boolean, propagationPolicy: PropagationPolicy): Promise<Outcome>;
}

// A DELETE with the uid precondition is safe to repeat: it can only find the same object, or none.
export async function createResourceWriter(kc: KubeConfig, api: ApiPolicy): Promise<ResourceWriter> {
  const server = kc.getCurrentCluster()!.server.replace(/\/+$/, "");
  const secure = server.startsWith("https:");

  const send = async (path: string, body: unknown): Promise<void> => {
    // Credentials are applied per request: exec plugins and token files may renew them.
    const opts: https.RequestOptions = {};
    await kc.applyToHTTPSOptions(opts);
    await api.limiter.take();
    const payload = JSON.stringify(body);
    await new Promise<void>((resolve, reject) => {
      const request = (secure ? https : http).request(
        new URL(server + path),
        {
          method: "DELETE",
          ca: opts.ca,
          cert: opts.cert,
          key: opts.key,
          rejectUnauthorized: opts.rejectUnauthorized,
          servername: opts.servername,
          auth: opts.auth,
          headers: { ...(opts.headers as Record<string, string> | undefined), Accept: "application/json", "Content-Type": "application/json", "Content-Length": String(Buffer.byteLength(payload)) },
          timeout: api.timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("error", (error) => reject(new ApiError(0, "NetworkError", `${error.message} (${server})`)));
          res.on("end", () => {
            const code = res.statusCode ?? 0;
            if (code >= 200 && code < 300) resolve();
            else reject(apiErrorFromStatus(code, Buffer.concat(chunks).toString("utf8"), `HTTP ${code} for DELETE ${path}`, res.headers["retry-after"]));
          });
        },
      );
      request.on("timeout", () => request.destroy(new Error(`DELETE ${path}: no answer within ${api.timeoutMs} ms`)));
      request.on("error", (error) => reject(error instanceof ApiError ? error : new ApiError(0, "NetworkError", `${error.message} (${server})`)));
      request.end(payload);
    });
  };

  return {
    async deleteResource(target, dryRun, propagationPolicy) {
      const served = target.resource;
      if (!served) return { status: "failed", detail: "not a resource target" };
      const path = objectPath({ ...served, kind: target.kind, verbs: [] }, target.namespace, target.name);
      const query = new URLSearchParams(dryRun ? { dryRun: "All" } : {});
      const body = { apiVersion: "v1", kind: "DeleteOptions", propagationPolicy, preconditions: preconditions(target, dryRun), ...(dryRun ? { dryRun: ["All"] } : {}) };
      try {
        await api.retrying(`delete ${target.kind} ${target.namespace ? `${target.namespace}/` : ""}${target.name}`, () => send(`${path}${dryRun ? `?${query}` : ""}`, body));
        return { status: "done", detail: dryRun ? `server dry run: delete accepted (propagationPolicy ${propagationPolicy})` : `propagationPolicy ${propagationPolicy}` };
      } catch (error) {
        return dryRun ? dryRunOutcome(toApiError(error), "delete") : writeFailure(toApiError(error), "delete");
      }
    },
  };
}

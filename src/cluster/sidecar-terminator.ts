// Stops lingering sidecars from outside the pod: a command through the pods/exec API
// (WebSocket, v5/v4 channel protocol), or an HTTP call through the API server's pod proxy.
// A sidecar that does not stop is reported; the pod is never deleted instead (for a Job,
// a deleted pod counts as a failure).
import { Writable } from "node:stream";
import type { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import type { SidecarPolicy } from "../config/schema.ts";
import type { Pod } from "../core/k8s.ts";
import { qualifySidecars } from "../policies/sidecars/qualify.ts";
import type { TargetRef } from "../plan/types.ts";
import { toApiError, type ApiError } from "./api-error.ts";
import { callOptions } from "./client-options.ts";
import type { ApiPolicy } from "./api-policy.ts";
import type { Outcome } from "./pod-writer.ts";

export interface SidecarTerminator {
  /** `pod`: as read again just before the write. */
  terminate(pod: Pod, policy: SidecarPolicy, dryRun: boolean): Promise<Outcome>;
}

interface ExecStatus {
  status?: string;
  reason?: string;
  message?: string;
  details?: { causes?: { reason?: string; message?: string }[] };
}

export async function createSidecarTerminator(kc: KubeConfig, api: ApiPolicy, clock: () => number): Promise<SidecarTerminator> {
  const timeoutMs = api.timeoutMs;
  const lib = await import("@kubernetes/client-node");
  const { default: WebSocket } = await import("ws");
  // The client turns a refused upgrade into "Unexpected server response: 500" and drops the
  // API server's Status body, which says why (RBAC, no kubelet, container not found).
  const socketFactory = (uri: string, protocols: string[], opts: object) => {
    const ws = new WebSocket(uri, protocols, opts);
    ws.on("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body = (body + d.toString()).slice(0, 2000)));
      res.on("end", () => {
        let message = body.trim();
        try {
          message = (JSON.parse(body) as { message?: string }).message ?? message;
        } catch {
          // not a Status body
        }
        ws.emit("error", new Error(`HTTP ${res.statusCode}: ${message || "no message"}`));
        ws.terminate();
      });
    });
    return ws;
  };
  // Not re-exported by the package's index; the package has no exports map, so the module is reachable.
  const { WebSocketHandler } = await import("@kubernetes/client-node/dist/web-socket-handler.js");
  const exec = new lib.Exec(kc, new WebSocketHandler(kc, socketFactory as never));
  const core: CoreV1Api = kc.makeApiClient(lib.CoreV1Api);

  /** Runs one command in one container; resolves with its outcome, never hangs past the timeout. */
  const runExec = async (pod: TargetRef, container: string, command: string[], limitMs: number): Promise<string | undefined> => {
    let output = "";
    const sink = () => new Writable({ write: (chunk: Buffer, _enc, done) => ((output = (output + chunk.toString()).slice(-500)), done()) });
    let socket: { close(): void } | undefined;
    const finished = new Promise<ExecStatus | "closed">((resolve, reject) => {
      exec
        .exec(pod.namespace, pod.name, container, command, sink(), sink(), null, false, (status) => resolve(status as ExecStatus))
        .then((ws) => {
          socket = ws;
          // Exec resolves when the WebSocket opens, not when the command ends; a close
          // without a status frame is an answer too.
          ws.on("close", () => resolve("closed"));
        })
        .catch(reject);
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), limitMs)));
    // The run's cancellation (SIGTERM, --deadline) ends the wait as the timeout would.
    const run = api.signal;
    let onAbort: (() => void) | undefined;
    const interrupted = new Promise<"interrupted">((resolve) => {
      onAbort = () => resolve("interrupted");
      if (run?.aborted) onAbort();
      else run?.addEventListener("abort", onAbort, { once: true });
    });
    try {
      const result = await Promise.race([finished, timeout, interrupted]);
      if (result === "timeout") return `${container}: no exit status within ${limitMs} ms`;
      if (result === "interrupted") return `${container}: interrupted (${String(run!.reason)}) before the exit status came; the command may have run`;
      if (result === "closed") return `${container}: the exec stream closed without an exit status`;
      if (result.status === "Success") return undefined;
      const code = result.details?.causes?.find((c) => c.reason === "ExitCode")?.message;
      return result.reason === "NonZeroExitCode" && code !== undefined ? `${container}: command exited ${code}${output ? ` (${output.trim()})` : ""}` : `${container}: ${result.message ?? result.reason ?? "exec failed"}`;
    } catch (error) {
      return `${container}: exec not possible: ${(error as Error).message.split("\n")[0]}`;
    } finally {
      clearTimeout(timer);
      if (onAbort) run?.removeEventListener("abort", onAbort);
      socket?.close();
    }
  };

  const proxy = async (pod: TargetRef, http: { port: number; path: string; method: string }, limitMs: number): Promise<string | undefined> => {
    const request = { name: `${pod.name}:${http.port}`, namespace: pod.namespace, path: http.path.replace(/^\/+/, "") };
    const options = callOptions(lib.Observable, { ...api, timeoutMs: limitMs });
    try {
      if (http.method === "GET") await core.connectGetNamespacedPodProxyWithPath(request, options);
      else if (http.method === "PUT") await core.connectPutNamespacedPodProxyWithPath(request, options);
      else await core.connectPostNamespacedPodProxyWithPath(request, options);
      return undefined;
    } catch (error) {
      const e: ApiError = toApiError(error);
      return `${http.method} :${http.port}/${request.path} through the pod proxy: ${e.code ? `HTTP ${e.code}: ` : ""}${e.message}`;
    }
  };

  return {
    async terminate(pod, policy, dryRun) {
      // The pod was read again just before this call (the fresh look: same uid, policy still holds).
      const target: TargetRef = { kind: "Pod", namespace: pod.metadata?.namespace ?? "", name: pod.metadata?.name ?? "", uid: pod.metadata?.uid ?? "" };
      const verdict = qualifySidecars(pod, policy, clock());
      if (verdict.running.length === 0) return { status: "done", detail: "no sidecar running any more: nothing to terminate" };
      const action = policy.action;
      const how = action.via === "exec" ? `exec ${JSON.stringify(action.command)}` : `${action.http.method} :${action.http.port}${action.http.path}`;
      if (dryRun) return { status: "done", detail: `server dry run: ${how} in ${verdict.running.join(", ")} not sent (exec and proxy calls cannot be dry-run)` };
      const problems: string[] = [];
      if (action.via === "exec") {
        for (const container of verdict.running) {
          const problem = await runExec(target, container, action.command, action.timeout);
          if (problem) problems.push(problem);
        }
      } else {
        const problem = await proxy(target, action.http, action.timeout);
        if (problem) problems.push(problem);
      }
      if (problems.length > 0) return { status: "failed", detail: problems.join("; ") };
      return { status: "done", detail: `${how} sent to ${verdict.running.join(", ")}` };
    },
  };
}

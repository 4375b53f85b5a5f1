// API failures in our own terms. A Status body's reason and message are kept, since they
// name what went wrong (the missing RBAC permission, the conflicting uid, the PDB).
import { parseRetryAfter, type Transient } from "../core/retry.ts";

export class ApiError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly causes: string[];
  readonly retryAfterMs: number | undefined;
  /** Requests sent before this answer: more than 1 means an earlier one may have taken effect. */
  readonly attempts: number;

  constructor(code: number, reason: string, message: string, causes: string[] = [], retryAfterMs?: number, attempts = 1) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.causes = causes;
    this.retryAfterMs = retryAfterMs;
    this.attempts = attempts;
  }
}

/** A PodDisruptionBudget refusing an eviction: policy, not overload, so never retried. */
export function isDisruptionBudget(error: ApiError): boolean {
  return error.code === 429 && (error.causes.includes("DisruptionBudget") || /disruption budget/i.test(error.message));
}

/** The reason of an ApiError for a 200 answer to a list that is not a list of objects. */
export const MALFORMED_LIST = "MalformedList";
/** The reason of an ApiError for a 200 answer to a single GET that is not the object asked for. */
export const MALFORMED_OBJECT = "MalformedObject";

// Certificate problems do not go away on retry.
const TLS_FAILURE = /certificate|self[- ]signed|CERT_|ERR_TLS|UNABLE_TO_VERIFY/i;

/** Overload (429), server errors (5xx) and no answer at all may pass; anything else will not. */
export function transient(error: unknown): Transient {
  const e = toApiError(error);
  // A proxy or an overloaded server answering junk: read again, as after any failed read.
  if (e.reason === MALFORMED_LIST || e.reason === MALFORMED_OBJECT) return { retryable: true };
  if (e.code === 0) return { retryable: !TLS_FAILURE.test(e.message) && e.reason !== "BadResponse" };
  if (e.code === 429) return { retryable: !isDisruptionBudget(e), retryAfterMs: e.retryAfterMs };
  if (e.code >= 500 && e.code !== 501) return { retryable: true, retryAfterMs: e.retryAfterMs };
  return { retryable: false };
}

/** Turns a Status body (object or JSON text) into an ApiError. */
export function apiErrorFromStatus(code: number, body: unknown, fallback: string, retryAfter?: string): ApiError {
  let status: { reason?: unknown; message?: unknown; details?: { causes?: { reason?: unknown }[] } } | undefined;
  if (typeof body === "string") {
    try {
      status = JSON.parse(body);
    } catch {
      status = undefined;
    }
  } else if (body && typeof body === "object") {
    status = body as typeof status;
  }
  const reason = typeof status?.reason === "string" ? status.reason : "";
  const message = typeof status?.message === "string" ? status.message : fallback;
  const causes = (status?.details?.causes ?? []).map((c) => (typeof c?.reason === "string" ? c.reason : "")).filter(Boolean);
  return new ApiError(code, reason, message, causes, parseRetryAfter(retryAfter));
}

/** Converts whatever the client threw into an ApiError (code 0 = no HTTP answer). */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const maybe = error as { code?: unknown; body?: unknown; message?: unknown; headers?: Record<string, string> };
  if (typeof maybe?.code === "number" && maybe.code >= 100) {
    return apiErrorFromStatus(maybe.code, maybe.body, `HTTP ${maybe.code}`, maybe.headers?.["retry-after"]);
  }
  const message = error instanceof Error ? error.message.split("\n")[0]! : String(error);
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  const detail = [cause?.code, cause?.message].filter(Boolean).join(" ");
  return new ApiError(0, "NetworkError", detail ? `${message}: ${detail}` : message);
}

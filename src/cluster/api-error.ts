// API failures in our own terms. A Status body's reason and message are kept, since they
// name what went wrong (the missing RBAC permission, the conflicting uid, the PDB).

export class ApiError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly causes: string[];

  constructor(code: number, reason: string, message: string, causes: string[] = []) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.causes = causes;
  }
}

/** Turns a Status body (object or JSON text) into an ApiError. */
export function apiErrorFromStatus(code: number, body: unknown, fallback: string): ApiError {
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
  return new ApiError(code, reason, message, causes);
}

/** Converts whatever the client threw into an ApiError (code 0 = no HTTP answer). */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const maybe = error as { code?: unknown; body?: unknown; message?: unknown };
  if (typeof maybe?.code === "number" && maybe.code >= 100) {
    return apiErrorFromStatus(maybe.code, maybe.body, `HTTP ${maybe.code}`);
  }
  const message = error instanceof Error ? error.message.split("\n")[0]! : String(error);
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  return new ApiError(0, "NetworkError", cause?.message ? `${message}: ${cause.message}` : message);
}

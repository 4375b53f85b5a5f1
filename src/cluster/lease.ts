// The single-run lock: a coordination.k8s.io/v1 Lease, so a laptop run and the CronJob never act
// at the same time. Taken before reading, released at the end; an expired one is taken over.
// Every write is optimistic (resourceVersion), so two sweeps racing for it cannot both win.
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import type { CoordinationV1Api, KubeConfig } from "@kubernetes/client-node";
import { ClusterAccessError } from "../errors.ts";
import { isoSeconds, microTime } from "../core/clock.ts";
import { toApiError } from "./api-error.ts";
import { callOptions } from "./client-options.ts";
import type { ApiPolicy } from "./api-policy.ts";

export interface Lock {
  holder: string;
  /** Resolves to a problem when the lease could not be released (it then expires by itself). */
  release(): Promise<string | undefined>;
}

export class LockHeldError extends Error {}

interface LeaseObject {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
  spec?: { holderIdentity?: string | null; leaseDurationSeconds?: number | null; acquireTime?: string | Date | null; renewTime?: string | Date | null };
}

export async function acquireLock(kc: KubeConfig, where: { namespace: string; name: string }, durationSeconds: number, clock: () => number, policy: ApiPolicy): Promise<Lock> {
  const lib = await import("@kubernetes/client-node");
  const api: CoordinationV1Api = kc.makeApiClient(lib.CoordinationV1Api);
  const options = () => callOptions(lib.Observable, policy);
  const read = () => policy.retrying(`read ${where.namespace}/${where.name} lease`, () => api.readNamespacedLease({ name: where.name, namespace: where.namespace }, options())) as Promise<unknown> as Promise<LeaseObject>;
  const holder = `${process.env.POD_NAME ?? hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
  const spec = () => ({ holderIdentity: holder, leaseDurationSeconds: durationSeconds, acquireTime: microTime(clock()), renewTime: microTime(clock()) });
  const what = `lease ${where.namespace}/${where.name}`;
  const denied = (error: unknown, doing: string) => {
    const e = toApiError(error);
    return new ClusterAccessError(`cannot ${doing} the lock (${what}): ${e.code ? `HTTP ${e.code}: ` : ""}${e.message}`);
  };

  let current: LeaseObject | undefined;
  try {
    current = await read();
  } catch (error) {
    if (toApiError(error).code !== 404) throw denied(error, "read");
  }
  try {
    if (!current) {
      await api.createNamespacedLease({ namespace: where.namespace, body: { metadata: { name: where.name }, spec: spec() as never } }, options());
    } else {
      const s = current.spec ?? {};
      const renewed = s.renewTime ? new Date(s.renewTime).getTime() : 0;
      const expires = renewed + (s.leaseDurationSeconds ?? 0) * 1000;
      if (s.holderIdentity && expires > clock()) {
        throw new LockHeldError(`another sweep holds the lock (${what}): holder ${s.holderIdentity}, renewed ${isoSeconds(renewed)}, expires ${isoSeconds(expires)}`);
      }
      await api.replaceNamespacedLease(
        { name: where.name, namespace: where.namespace, body: { metadata: { name: where.name, resourceVersion: current.metadata?.resourceVersion }, spec: spec() as never } },
        options(),
      );
    }
  } catch (error) {
    if (error instanceof LockHeldError) throw error;
    // 409: someone else created or took it between our read and write.
    if (toApiError(error).code === 409) throw new LockHeldError(`another sweep took the lock (${what}) at the same moment`);
    throw denied(error, "take");
  }

  // Taking it is not retried: a create or replace whose answer was lost would look like a
  // lock someone else holds. Releasing is: a repeated replace finds a newer resourceVersion (409).
  return {
    holder,
    async release() {
      try {
        const lease = await read();
        if (lease.spec?.holderIdentity !== holder) return undefined;
        await policy.retrying(`release ${what}`, () =>
          api.replaceNamespacedLease(
            { name: where.name, namespace: where.namespace, body: { metadata: { name: where.name, resourceVersion: lease.metadata?.resourceVersion }, spec: { holderIdentity: null, leaseDurationSeconds: null, acquireTime: null, renewTime: null } as never } },
            options(),
          ),
        );
        return undefined;
      } catch (error) {
        const e = toApiError(error);
        if (e.code === 409) return undefined;
        return `the lock (${what}) was not released (${e.code ? `HTTP ${e.code}` : "no answer"}); it expires by itself after ${durationSeconds}s`;
      }
    },
  };
}

// The single-run lock: a coordination.k8s.io/v1 Lease, so a laptop run and the CronJob never act
// at the same time. It lives exactly as long as the run: taken before reading with a short
// duration, renewed every third of it while the run is alive, released at the end. A killed run
// (SIGKILL, OOM) blocks the next one until the duration runs out, or not at all when its holder is
// provably gone: its pod no longer exists (or has finished), or its process no longer runs on this
// same host. A renewal that fails until the Lease could have expired means another run may take
// over: the run is told (onLost) and stops acting. Every write is optimistic (resourceVersion),
// so two sweeps racing for it cannot both win.
import { hostname } from "node:os";
import { ClusterAccessError } from "../errors.ts";
import { isoSeconds, microTime } from "../core/clock.ts";
import { toApiError } from "./api-error.ts";
import type { ApiPolicy } from "./api-policy.ts";
import type { JsonClient } from "./http.ts";

/** How long a Lease lasts unless renewed: a killed run blocks the next one at most this long. */
export const LOCK_SECONDS = 45;
const RENEW_EVERY_MS = (LOCK_SECONDS * 1000) / 3;
/** Between failed renewals: often enough to get through a brief outage before the Lease lapses. */
const RENEW_RETRY_MS = 2_000;
/** Stop acting this long before the Lease could lapse, not at the moment it does. */
const SAFETY_MARGIN_MS = 3_000;

export const HOLDER_HOST = "kube-sweeper.io/holder-host";
export const HOLDER_PID = "kube-sweeper.io/holder-pid";
export const HOLDER_POD = "kube-sweeper.io/holder-pod";

export interface Lock {
  holder: string;
  /** Stops renewing and gives the Lease up; resolves to a problem when it could not (it then lapses by itself). */
  release(): Promise<string | undefined>;
}

export class LockHeldError extends Error {}

interface LeaseObject {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string; annotations?: Record<string, string> | null };
  spec?: { holderIdentity?: string | null; leaseDurationSeconds?: number | null; acquireTime?: string | Date | null; renewTime?: string | Date | null };
}

export interface LockOptions {
  clock: () => number;
  policy: ApiPolicy;
  /** The sweeper's own pod, when it runs in one (the downward API or the in-cluster hostname). */
  self: { namespace: string; name: string } | undefined;
  /** Called once if the Lease is lost (renewals failed, or another run took it): stop acting. */
  onLost: (why: string) => void;
  log: { info(line: string): void; warn(line: string): void; debug(line: string): void };
}

/** Whether a process with this id runs on this host (EPERM: it does, under another user). */
function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export async function acquireLock(client: JsonClient, where: { namespace: string; name: string }, options: LockOptions): Promise<Lock> {
  const { clock, self, log } = options;
  // Renewals and the release outlive the run's cancellation: a SIGTERM must still give the lock up.
  const policy = options.policy.detached();
  // Plain JSON through the reads' client: the generated client library is not loaded for it.
  const leases = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(where.namespace)}/leases`;
  const lease = `${leases}/${encodeURIComponent(where.name)}`;
  const read = () => policy.retrying(`read ${where.namespace}/${where.name} lease`, () => client.send<LeaseObject>("GET", lease, { policy }));
  const replace = (body: unknown, timeoutMs?: number) => client.send<LeaseObject>("PUT", lease, { policy, body, timeoutMs });
  const what = `lease ${where.namespace}/${where.name}`;
  const host = hostname();
  const holder = self ? `${self.namespace}/${self.name}` : `${host}:${process.pid}`;
  const annotations = { [HOLDER_HOST]: host, [HOLDER_PID]: String(process.pid), ...(self ? { [HOLDER_POD]: `${self.namespace}/${self.name}` } : {}) };
  const acquiredAt = microTime(clock());
  const body = (resourceVersion: string | undefined) => ({
    metadata: { name: where.name, resourceVersion, annotations },
    spec: { holderIdentity: holder, leaseDurationSeconds: LOCK_SECONDS, acquireTime: acquiredAt, renewTime: microTime(clock()) },
  });
  const denied = (error: unknown, doing: string) => {
    const e = toApiError(error);
    return new ClusterAccessError(`cannot ${doing} the lock (${what}): ${e.code ? `HTTP ${e.code}: ` : ""}${e.message}`);
  };

  /** Why a holder whose Lease has not lapsed is certainly gone, or undefined (and a note when that could not be checked). */
  const holderGone = async (lease: LeaseObject): Promise<{ gone?: string; note?: string }> => {
    const marks = lease.metadata?.annotations ?? {};
    const pod = marks[HOLDER_POD];
    if (pod) {
      const [namespace, name] = pod.split("/");
      try {
        const found = await client.send<{ status?: { phase?: string } }>("GET", `/api/v1/namespaces/${encodeURIComponent(namespace!)}/pods/${encodeURIComponent(name!)}`, { policy });
        const phase = found.status?.phase;
        return phase === "Succeeded" || phase === "Failed" ? { gone: `its pod ${pod} has finished (${phase})` } : {};
      } catch (error) {
        const e = toApiError(error);
        if (e.code === 404) return { gone: `its pod ${pod} no longer exists` };
        return { note: `whether its pod ${pod} still exists could not be checked (${e.code ? `HTTP ${e.code}` : "no answer"})` };
      }
    }
    const pid = Number(marks[HOLDER_PID]);
    if (marks[HOLDER_HOST] === host && Number.isInteger(pid) && pid > 0 && pid !== process.pid && !processRuns(pid)) {
      return { gone: `its process ${pid} no longer runs on this host (${host})` };
    }
    return {};
  };

  const describeHolder = (lease: LeaseObject) => {
    const marks = lease.metadata?.annotations ?? {};
    const who = marks[HOLDER_POD] ? `pod ${marks[HOLDER_POD]}` : marks[HOLDER_HOST] ? `process ${marks[HOLDER_PID]} on host ${marks[HOLDER_HOST]}` : undefined;
    return `holder ${lease.spec?.holderIdentity}${who ? ` (${who})` : ""}`;
  };

  let current: LeaseObject | undefined;
  try {
    current = await read();
  } catch (error) {
    if (toApiError(error).code !== 404) throw denied(error, "read");
  }
  let taken: LeaseObject;
  try {
    if (!current) {
      taken = await client.send<LeaseObject>("POST", leases, { policy, body: body(undefined) });
    } else {
      const s = current.spec ?? {};
      const renewed = s.renewTime ? new Date(s.renewTime).getTime() : 0;
      const expires = renewed + (s.leaseDurationSeconds ?? 0) * 1000;
      if (s.holderIdentity && expires > clock()) {
        const { gone, note } = await holderGone(current);
        if (!gone) {
          throw new LockHeldError(
            `another sweep holds the lock (${what}): ${describeHolder(current)}, renewed ${isoSeconds(renewed)}, held until ${isoSeconds(expires)} unless renewed (a live run renews it every ${RENEW_EVERY_MS / 1000}s)${note ? `; ${note}` : ""}. ` +
              `If that run is certainly gone, release it deliberately: kubectl delete lease -n ${where.namespace} ${where.name}`,
          );
        }
        log.info(`taking over the lock (${what}) from ${describeHolder(current)}: ${gone}`);
      } else if (s.holderIdentity) {
        log.info(`taking over the lock (${what}) from ${describeHolder(current)}: it lapsed at ${isoSeconds(expires)}`);
      }
      taken = await replace(body(current.metadata?.resourceVersion));
    }
  } catch (error) {
    if (error instanceof LockHeldError) throw error;
    // 409: someone else created or took it between our read and write.
    if (toApiError(error).code === 409) throw new LockHeldError(`another sweep took the lock (${what}) at the same moment`);
    throw denied(error, "take");
  }

  // Taking it is not retried: a create or replace whose answer was lost would look like a lock
  // someone else holds. Renewals retry on their own schedule; the release retries like any write.
  let resourceVersion = taken.metadata?.resourceVersion;
  let renewedAt = clock();
  let timer: NodeJS.Timeout | undefined;
  let renewing: Promise<void> | undefined;
  let finished = false;
  const lost = (why: string) => {
    if (finished) return;
    finished = true;
    options.onLost(`the lock (${what}) was lost: ${why}`);
  };
  const schedule = (ms: number) => {
    if (finished) return;
    timer = setTimeout(() => (renewing = renew()), ms);
    // The run's own work keeps the process alive, never the renewal timer.
    timer.unref();
  };
  const renew = async () => {
    const lapsesAt = renewedAt + LOCK_SECONDS * 1000 - SAFETY_MARGIN_MS;
    try {
      // A renewal that answers after the Lease lapsed proves nothing: bound it by what is left.
      const left = Math.max(1_000, Math.min(policy.timeoutMs, lapsesAt - clock()));
      const renewed = await replace(body(resourceVersion), left);
      if (finished) return;
      resourceVersion = renewed.metadata?.resourceVersion;
      renewedAt = clock();
      log.debug(`renewed the lock (${what}) until ${isoSeconds(renewedAt + LOCK_SECONDS * 1000)}`);
      return schedule(RENEW_EVERY_MS);
    } catch (error) {
      if (finished) return;
      const e = toApiError(error);
      if (e.code === 404) return lost("the Lease was deleted");
      if (e.code === 409) {
        // Changed since our last write: ours still (a renewal whose answer was lost) or another run's.
        try {
          const now = await read();
          if (now.spec?.holderIdentity === holder && now.metadata?.annotations?.[HOLDER_PID] === String(process.pid)) {
            resourceVersion = now.metadata?.resourceVersion;
            return schedule(0);
          }
          return lost(`another run took it over (${describeHolder(now)})`);
        } catch {
          // Unknown: handled below like any failed renewal.
        }
      }
      if (clock() >= lapsesAt) return lost(`it could not be renewed before it lapsed (${e.code ? `HTTP ${e.code}` : "no answer"}: ${e.message.split("\n")[0]}); another run may take it over`);
      log.warn(`could not renew the lock (${what}): ${e.code ? `HTTP ${e.code}` : "no answer"}; trying again in ${RENEW_RETRY_MS / 1000}s`);
      return schedule(RENEW_RETRY_MS);
    }
  };
  schedule(RENEW_EVERY_MS);

  return {
    holder,
    async release() {
      const wasLost = finished;
      finished = true;
      clearTimeout(timer);
      await renewing;
      if (wasLost) return undefined;
      try {
        const held = await read();
        if (held.spec?.holderIdentity !== holder) return undefined;
        await policy.retrying(`release ${what}`, () =>
          replace({ metadata: { name: where.name, resourceVersion: held.metadata?.resourceVersion }, spec: { holderIdentity: null, leaseDurationSeconds: null, acquireTime: null, renewTime: null } }),
        );
        return undefined;
      } catch (error) {
        const e = toApiError(error);
        if (e.code === 409) return undefined;
        return `the lock (${what}) was not released (${e.code ? `HTTP ${e.code}` : "no answer"}); it lapses by itself within ${LOCK_SECONDS}s`;
      }
    },
  };
}

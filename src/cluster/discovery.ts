// Which kinds the API server serves: the discovery documents (/api, /apis and every version of
// each group), as kubectl reads them. Custom resources appear here exactly like built-in ones.
// Resolving a config's `kinds` against them is pure and lives in core/kinds.ts.
import type { Logger } from "../core/log.ts";
import type { JsonClient } from "./http.ts";
import { ApiError } from "./api-error.ts";
import { accessError } from "./live.ts";
import { resourcesOf, type ApiGroupList, type ApiResourceList, type ResourceKind } from "../core/kinds.ts";

export * from "../core/kinds.ts";

// How many group documents are asked for at once (a cluster with many CRDs has dozens of groups).
const DISCOVERY_CONCURRENCY = 8;

/**
 * Every resource the server serves, at each group's preferred version. A group that does not
 * answer (an aggregated API whose backend is down answers 503) is left out with a warning, as
 * kubectl does; its kinds then count as not served.
 */
export async function discoverResources(client: JsonClient, log: Logger): Promise<ResourceKind[]> {
  let core: { versions?: string[] };
  let groups: ApiGroupList;
  try {
    [core, groups] = await Promise.all([client.getJson<{ versions?: string[] }>("/api"), client.getJson<ApiGroupList>("/apis")]);
  } catch (error) {
    throw accessError(error, "read the API discovery documents (/api, /apis)");
  }
  // Every version of a group is read: a kind missing from the preferred version is taken from the
  // next version that serves it, as kubectl does (batch/v1beta1 CronJobs on servers before 1.21).
  const groupVersions = [
    ...(core.versions?.includes("v1") ? [{ group: "", versions: ["v1"] }] : []),
    ...(groups.groups ?? []).flatMap((g) => {
      const preferred = g.preferredVersion?.version ?? g.versions?.[0]?.version;
      const others = (g.versions ?? []).map((v) => v.version).filter((v): v is string => typeof v === "string" && v !== preferred);
      return g.name && preferred ? [{ group: g.name, versions: [preferred, ...others] }] : [];
    }),
  ];
  const documents = groupVersions.flatMap((g) => g.versions.map((version) => ({ group: g.group, version, path: g.group ? `/apis/${g.group}/${version}` : `/api/${version}` })));
  const read: ResourceKind[][] = [];
  for (let i = 0; i < documents.length; i += DISCOVERY_CONCURRENCY) {
    const batch = documents.slice(i, i + DISCOVERY_CONCURRENCY);
    read.push(
      ...(await Promise.all(
        batch.map(async (gv) => {
          try {
            return resourcesOf(gv.group, gv.version, await client.getJson<ApiResourceList>(gv.path));
          } catch (error) {
            if (error instanceof ApiError && error.code !== 401 && error.code !== 0) {
              log.warn(`discovery: ${gv.path} did not answer (HTTP ${error.code}); its kinds are treated as not served`);
              return [];
            }
            throw accessError(error, `read ${gv.path}`);
          }
        }),
      )),
    );
  }
  // Documents are in preference order: the first version serving a resource wins.
  const out: ResourceKind[] = [];
  for (const kind of read.flat()) if (!out.some((k) => k.group === kind.group && k.resource === kind.resource)) out.push(kind);
  return out;
}


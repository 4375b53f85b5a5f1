// target: resources: any kind the API server serves, custom resources included.
import type { ResourcePolicy } from "../../config/schema.ts";
import { discoverResources } from "../../cluster/discovery.ts";
import { liveResourceSource, snapshotResourceSource } from "../../cluster/resource-reader.ts";
import type { TargetModule } from "../target.ts";
import { collectResources, resolvePolicyKinds, type ResourceCollected } from "./collect.ts";
import { describeResourcePolicy } from "./describe.ts";
import { explainResource, parseResourceTarget } from "./explain.ts";
import { resourcePerformers } from "./perform.ts";
import { resourcePermissions } from "./permissions.ts";
import { resourcePolicySchema } from "./schema.ts";

/** Its policies' config, built from the config's own parts (config/schema.ts). */
export const policySchema = resourcePolicySchema;

export const module: TargetModule<ResourcePolicy, ResourceCollected | undefined, "deleteResource"> = {
  target: "resources",
  evaluated: { key: "resources", noun: "objects of resource policies" },
  policiesOf: (config) => config.policies.filter((p): p is ResourcePolicy => p.target === "resources"),
  readScope: (policies) => ({ namespaces: policies.some((p) => p.match.namespaceSelector !== undefined) }),
  async collect(input, policies) {
    // Any kind: through discovery and paged lists, or every kind in the snapshot.
    const source = input.snapshot ? snapshotResourceSource(input.snapshot) : input.client ? liveResourceSource(input.client, input.log) : undefined;
    if (!source) throw new Error("resource policies need a cluster or a snapshot");
    const collected = await collectResources({ source, policies, settings: input.config.settings, now: input.now, namespaces: input.namespaces, onlyNamespaces: input.onlyNamespaces, find: input.find, log: input.log });
    return { candidates: collected.candidates, skipped: collected.skipped, evaluated: collected.evaluated, notices: collected.notices, details: collected };
  },
  describe: describeResourcePolicy,
  permissions: resourcePermissions,
  actionKinds: ["deleteResource"],
  performers: resourcePerformers,
  events: { deleteResource: { reason: "SweptObject", action: "Delete" } },
  explain: { parse: parseResourceTarget, explain: explainResource },
  async checkCluster(policies, client, log) {
    return resolvePolicyKinds(policies, await discoverResources(client, log)).problems;
  },
};

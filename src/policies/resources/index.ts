// target: resources: any kind the API server serves, custom resources included.
import type { ResourcePolicy } from "../../config/schema.ts";
import type { TargetModule } from "../target.ts";
import { collectResources, type ResourceCollected } from "./collect.ts";
import { resourcePermissions } from "./permissions.ts";

export const resourcesTarget: TargetModule<ResourcePolicy, ResourceCollected | undefined> = {
  target: "resources",
  evaluatedKey: "resources",
  policiesOf: (config) => config.policies.filter((p): p is ResourcePolicy => p.target === "resources"),
  async collect(input, policies) {
    if (!input.source) throw new Error("resource policies need a resource source");
    const collected = await collectResources({ source: input.source, policies, settings: input.config.settings, now: input.now, namespaces: input.namespaces, onlyNamespaces: input.onlyNamespaces, find: input.find, log: input.log });
    return { candidates: collected.candidates, skipped: collected.skipped, evaluated: collected.evaluated, details: collected };
  },
  permissions: resourcePermissions,
};

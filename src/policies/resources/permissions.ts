// What resource policies need from RBAC: list (and get and delete, for their only action) per group
// and resource, never a wildcard. `kinds: ["*"]` cannot be enumerated without a cluster: it is
// named in a comment of the generated RBAC for a person to decide, never granted silently.
import type { ResourcePolicy } from "../../config/schema.ts";
import type { AddPermission } from "../target.ts";
import { resolveKinds } from "../../cluster/discovery.ts";
import { wellKnownKinds } from "../../core/well-known-kinds.ts";

// `manifests` has no cluster to ask: a built-in kind is resolved as discovery would (so
// `deploy` is deployments.apps), any other name as written, the group after the first dot
// (widgets.example.com); a name without a dot that is not built-in is taken as a core resource.
export function resourcePermissions(policies: ResourcePolicy[], add: AddPermission, note: (text: string) => void): void {
  const builtIn = wellKnownKinds();
  for (const p of policies) {
    for (const name of p.match.kinds) {
      if (name === "*") {
        note(`NOT GRANTED (needs broad access): policy ${p.name} has kinds: ["*"]: it needs list and delete on every kind the server serves. Grant them deliberately (a ClusterRole with resources ["*"]); kube-sweeper does not generate wildcards.`);
        continue;
      }
      const known = resolveKinds([name], builtIn).kinds[0];
      if (!known && !name.includes(".")) {
        note(`policy ${p.name} names kind ${JSON.stringify(name)}, which is not a built-in resource: granted as core "${name.toLowerCase()}"; if it is a custom resource, write it as resource.group (e.g. widgets.example.com) so the Role names its group`);
      }
      const dot = name.indexOf(".");
      const [resource, group] = known ? [known.resource, known.group] : dot > 0 ? [name.slice(0, dot).toLowerCase(), name.slice(dot + 1)] : [name.toLowerCase(), ""];
      add(group, resource, ["list"], `resources: read ${name}`);
      // get: the object is read again just before its delete (the fresh look).
      add(group, resource, ["get", "delete"], `resources: read again and delete ${name}`, { actions: ["deleteResource"], forResource: `${group}/${resource}` });
    }
    if (p.when.unused) {
      add("", "pods", ["list"], "unused: references from pods");
      for (const [group, resource] of [["apps", "deployments"], ["apps", "replicasets"], ["apps", "statefulsets"], ["apps", "daemonsets"], ["batch", "jobs"], ["batch", "cronjobs"]] as const) {
        add(group, resource, ["list"], "unused: references from pod templates");
      }
      add("", "serviceaccounts", ["list"], "unused: secrets named by service accounts");
    }
    if (p.match.namespaceSelector) {
      add("", "namespaces", ["list"], "read namespaces", { clusterScoped: true });
      add("", "namespaces", ["get"], "the target's namespace is read again before acting", { clusterScoped: true, actions: ["deleteResource"] });
    }
  }
}

// The namespace manager's NamespaceManager objects (k8s.consol.de/v1beta1), read as policies:
// TTL (ttlSeconds) and PODS_SUCCEED (podLabels, initialDelaySeconds) conditions; DELETE,
// SCALE_DOWN (selectors of kind and labels) and WEBHOOK (url) actions. A manager whose spec is
// deactivated is dormant. After an action succeeds, kube-sweeper sets spec.deactivated as the
// operator did; like it, the first policy that holds wins.
import { createHash } from "node:crypto";
import type { NamespaceManagerObject } from "../cluster/view.ts";
import type { LabelSelector } from "../core/selector.ts";
import { MAX_NAMESPACE_POLICY_NAME, type NamespacePolicy, type ScaleFilter } from "./schema.ts";

export interface ManagerPolicies {
  policies: NamespacePolicy[];
  managers: Map<string, { namespace: string; name: string; policy: string }>;
  problems: string[];
}

const labelsToSelector = (labels: Record<string, string> | undefined): LabelSelector =>
  Object.entries(labels ?? {}).map(([key, value]) => ({ key, op: "in" as const, values: [value] }));

/**
 * One name per manager policy, never shared: the report, the fresh look, the done annotation and
 * the manager deactivated after the action are all found by it. Dashes in both namespace and name
 * make the readable part ambiguous (ops/team-a and ops-team/a), so a hash of the exact
 * namespace, name and index follows it; the readable part is cut to fit the annotation.
 */
function managerPolicyName(namespace: string, name: string, index: number): string {
  const hash = createHash("sha256").update(`${namespace}/${name}/${index}`).digest("hex").slice(0, 10);
  const readable = `${namespace}-${name}-${index}`.toLowerCase().replace(/[^a-z0-9-]/g, "-");
  return `nsman-${readable.slice(0, MAX_NAMESPACE_POLICY_NAME - "nsman-".length - hash.length - 1)}-${hash}`.replace(/-+/g, "-");
}

const selectorText = (labels: Record<string, string> | undefined) => Object.entries(labels ?? {}).map(([k, v]) => `${k}=${v}`).join(",");

/**
 * A manager acts on its own namespace only: anyone who may create a NamespaceManager in their
 * namespace could otherwise delete someone else's. Managers in `crossNamespaceFrom` (namespaces
 * only administrators write to) may name any namespace, as the operator allowed.
 */
export function policiesFromManagers(objects: NamespaceManagerObject[], crossNamespaceFrom: readonly string[] = []): ManagerPolicies {
  const out: ManagerPolicies = { policies: [], managers: new Map(), problems: [] };
  for (const obj of objects) {
    const where = `NamespaceManager ${obj.metadata?.namespace}/${obj.metadata?.name}`;
    if (obj.spec?.deactivated) continue;
    const target = obj.spec?.namespace ?? obj.metadata?.namespace;
    if (!target || !obj.metadata?.name || !obj.metadata.namespace) {
      out.problems.push(`${where}: no namespace to manage; ignored`);
      continue;
    }
    if (target !== obj.metadata.namespace && !crossNamespaceFrom.includes(obj.metadata.namespace)) {
      out.problems.push(`${where}: names namespace ${target}, not its own; ignored (settings.crossNamespaceManagersFrom lets managers in chosen namespaces manage others)`);
      continue;
    }
    (obj.spec?.policies ?? []).forEach((p, i) => {
      const name = managerPolicyName(obj.metadata!.namespace!, obj.metadata!.name!, i);
      const condition = p.condition ?? {};
      const params = condition.params ?? {};
      let when: NamespacePolicy["when"];
      if (condition.type === "TTL" && typeof params.ttlSeconds === "number" && params.ttlSeconds >= 0) {
        when = { ttl: params.ttlSeconds * 1000 };
      } else if (condition.type === "PODS_SUCCEED") {
        const selector = params.podLabels ? { text: selectorText(params.podLabels), requirements: labelsToSelector(params.podLabels) } : undefined;
        // The operator counted "no matching pods" as succeeded (pods deleted after completion).
        when = { ttl: undefined, podsSucceeded: { selector, initialDelay: (params.initialDelaySeconds ?? 0) * 1000, allowNone: true } };
      } else {
        out.problems.push(`${where}: policy ${JSON.stringify(p.name)}: unsupported condition ${JSON.stringify(condition.type)}; ignored`);
        return;
      }
      const actionParams = p.action?.params ?? {};
      let action: NamespacePolicy["action"];
      switch (p.action?.type) {
        case "DELETE":
          action = { kind: "deleteNamespace" };
          break;
        case "SCALE_DOWN": {
          const filters: ScaleFilter[] = (actionParams.selectors ?? []).map((s) => ({
            kind: s.kind === "Deployment" || s.kind === "StatefulSet" ? s.kind : undefined,
            labels: labelsToSelector(s.labels),
          }));
          action = { kind: "scaleDown", kinds: ["Deployment", "StatefulSet"], filters: filters.length ? filters : undefined };
          break;
        }
        case "WEBHOOK":
          if (!actionParams.url || !/^https?:\/\//.test(actionParams.url)) {
            out.problems.push(`${where}: policy ${JSON.stringify(p.name)}: WEBHOOK without an http(s) url; ignored`);
            return;
          }
          action = { kind: "webhook", url: actionParams.url, timeout: 10_000, retries: 3 };
          break;
        default:
          out.problems.push(`${where}: policy ${JSON.stringify(p.name)}: unsupported action ${JSON.stringify(p.action?.type)}; ignored`);
          return;
      }
      out.policies.push({ name, target: "namespaces", match: { namespaces: [target] }, when, action });
      out.managers.set(name, { namespace: obj.metadata!.namespace!, name: obj.metadata!.name!, policy: p.name ?? name });
    });
  }
  return out;
}

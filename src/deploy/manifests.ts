// Ready-to-apply YAML for a config: ServiceAccount, least-privilege RBAC computed from the
// config's policies and actions (nothing more), the config in a ConfigMap, and a CronJob.
import { stringify } from "yaml";
import { cron } from "../config/schedule.ts";
import type { Config } from "../config/schema.ts";
import { UsageError } from "../errors.ts";
import { permissionsAndNotes, rulesOf } from "./permissions.ts";

export interface ManifestOptions {
  /** Where the ServiceAccount, ConfigMap and CronJob live (and, namespace-scoped, what is swept). */
  namespace: string;
  namespaceScoped: boolean;
  schedule: string;
  image: string;
  cronJobApi: "batch/v1" | "batch/v1beta1";
  configText: string;
  /** Stop starting actions after this long; the Job's activeDeadlineSeconds leaves room to report. */
  deadlineSeconds: number;
  now: number;
}

const NAME = "kube-sweeper";
const LABELS = { "app.kubernetes.io/name": NAME, "app.kubernetes.io/managed-by": "kube-sweeper-manifests" };
const CONFIG_DIR = "/etc/kube-sweeper";

export function nextRuns(schedule: string, now: number, count = 3): string[] {
  let expression;
  try {
    expression = cron().CronExpressionParser.parse(schedule, { currentDate: new Date(now), tz: "UTC" });
  } catch (error) {
    throw new UsageError(`--schedule ${JSON.stringify(schedule)} is not a cron expression: ${(error as Error).message}`);
  }
  if (schedule.trim().split(/\s+/).length !== 5) throw new UsageError(`--schedule ${JSON.stringify(schedule)}: a CronJob schedule has 5 fields (minute hour day month weekday)`);
  return Array.from({ length: count }, () => expression.next().toISOString()!);
}

export function renderManifests(config: Config, o: ManifestOptions): string {
  const runs = nextRuns(o.schedule, o.now);
  const { permissions, notes } = permissionsAndNotes(config);
  const lock = config.settings.lock;
  const main = permissions.filter((p) => !p.lockNamespace);
  const lockRules = lock.enabled ? rulesOf(permissions.filter((p) => p.lockNamespace)) : [];
  const docs: object[] = [{ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: NAME, namespace: o.namespace, labels: LABELS } }];
  const subject = [{ kind: "ServiceAccount", name: NAME, namespace: o.namespace }];

  if (o.namespaceScoped) {
    const clusterWide = main.filter((p) => p.clusterScoped);
    if (clusterWide.length > 0) {
      throw new UsageError(`--namespace-scoped: this config needs cluster-wide access (${[...new Set(clusterWide.map((p) => `${p.verb} ${p.resource}: ${p.why}`))].join("; ")})`);
    }
    if (lock.enabled && lock.namespace !== o.namespace) {
      throw new UsageError(`--namespace-scoped: settings.lock.namespace is ${lock.namespace}; set it to ${o.namespace} (or lock.enabled: false) so the lock lives in the swept namespace`);
    }
    docs.push(role("Role", NAME, o.namespace, [...rulesOf(main), ...lockRules]), binding("RoleBinding", NAME, o.namespace, "Role", subject));
  } else {
    docs.push(role("ClusterRole", NAME, undefined, rulesOf(main)), binding("ClusterRoleBinding", NAME, undefined, "ClusterRole", subject));
    if (lockRules.length) docs.push(role("Role", `${NAME}-lock`, lock.namespace, lockRules), binding("RoleBinding", `${NAME}-lock`, lock.namespace, "Role", subject));
  }
  docs.push({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: NAME, namespace: o.namespace, labels: LABELS }, data: { "kube-sweeper.yaml": o.configText } });
  docs.push(cronJob(config, o));

  const header = [
    `# kube-sweeper manifests, generated from the config by \`kube-sweeper manifests\`.`,
    `# RBAC: only what the config's policies and actions need.`,
    ...notes.map((note) => `# NOTE: ${note}`),
    `# Schedule ${JSON.stringify(o.schedule)} (UTC); next runs: ${runs.join(", ")}`,
  ];
  return `${header.join("\n")}\n${docs.map((d) => `---\n${stringify(d, { lineWidth: 0 })}`).join("")}`;
}

function role(kind: "Role" | "ClusterRole", name: string, namespace: string | undefined, rules: ReturnType<typeof rulesOf>) {
  return { apiVersion: "rbac.authorization.k8s.io/v1", kind, metadata: { name, ...(namespace ? { namespace } : {}), labels: LABELS }, rules };
}

function binding(kind: "RoleBinding" | "ClusterRoleBinding", name: string, namespace: string | undefined, roleKind: string, subjects: object[]) {
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind,
    metadata: { name, ...(namespace ? { namespace } : {}), labels: LABELS },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: roleKind, name },
    subjects,
  };
}

function cronJob(config: Config, o: ManifestOptions) {
  const secretEnvs = config.policies.flatMap((p) => (p.target === "namespaces" && p.action.kind === "webhook" && p.action.secretEnv ? [p.action.secretEnv] : []));
  // In the cluster a round trip costs nothing, while pages of 2,000 (the default, for distant
  // clusters) cost the API server more CPU than pages of 500 (README, Performance): a CronJob that
  // runs every few minutes asks for the pages the server serves most cheaply.
  const args = ["sweep", "--config", `${CONFIG_DIR}/kube-sweeper.yaml`, "--log-format", "json", "-o", "json", "--deadline", `${o.deadlineSeconds}s`, "--chunk-size", "500"];
  if (o.namespaceScoped) args.push("--namespace", o.namespace);
  const env = [
    { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
    { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
    // Webhook secrets come from a Secret you create; they are never in the ConfigMap.
    ...secretEnvs.map((name) => ({ name, valueFrom: { secretKeyRef: { name: NAME, key: name, optional: true } } })),
  ];
  return {
    apiVersion: o.cronJobApi,
    kind: "CronJob",
    metadata: { name: NAME, namespace: o.namespace, labels: LABELS },
    spec: {
      schedule: o.schedule,
      concurrencyPolicy: "Forbid",
      startingDeadlineSeconds: 300,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      jobTemplate: {
        spec: {
          backoffLimit: 0,
          activeDeadlineSeconds: o.deadlineSeconds + 120,
          ttlSecondsAfterFinished: 86400,
          template: {
            metadata: { labels: LABELS },
            spec: {
              serviceAccountName: NAME,
              restartPolicy: "Never",
              securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: "RuntimeDefault" } },
              containers: [
                {
                  name: NAME,
                  image: o.image,
                  args,
                  env,
                  securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                  resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "256Mi" } },
                  volumeMounts: [{ name: "config", mountPath: CONFIG_DIR, readOnly: true }],
                },
              ],
              volumes: [{ name: "config", configMap: { name: NAME } }],
            },
          },
        },
      },
    },
  };
}

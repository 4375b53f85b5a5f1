// Kinds every Kubernetes API server serves (group, version, resource, Kind, namespaced, short
// name), for what has no discovery to ask: snapshots, and the RBAC `manifests` derives offline.
import type { ResourceKind } from "../core/kinds.ts";

const KINDS: [string, string, string, string, boolean, string?][] = [
  ["", "v1", "pods", "Pod", true, "po"],
  ["", "v1", "configmaps", "ConfigMap", true, "cm"],
  ["", "v1", "secrets", "Secret", true],
  ["", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", true, "pvc"],
  ["", "v1", "serviceaccounts", "ServiceAccount", true, "sa"],
  ["", "v1", "services", "Service", true, "svc"],
  ["", "v1", "endpoints", "Endpoints", true, "ep"],
  ["", "v1", "events", "Event", true, "ev"],
  ["", "v1", "replicationcontrollers", "ReplicationController", true, "rc"],
  ["", "v1", "podtemplates", "PodTemplate", true],
  ["", "v1", "limitranges", "LimitRange", true, "limits"],
  ["", "v1", "resourcequotas", "ResourceQuota", true, "quota"],
  ["", "v1", "persistentvolumes", "PersistentVolume", false, "pv"],
  ["", "v1", "namespaces", "Namespace", false, "ns"],
  ["", "v1", "nodes", "Node", false, "no"],
  ["apps", "v1", "deployments", "Deployment", true, "deploy"],
  ["apps", "v1", "replicasets", "ReplicaSet", true, "rs"],
  ["apps", "v1", "statefulsets", "StatefulSet", true, "sts"],
  ["apps", "v1", "daemonsets", "DaemonSet", true, "ds"],
  ["apps", "v1", "controllerrevisions", "ControllerRevision", true],
  ["batch", "v1", "jobs", "Job", true],
  ["batch", "v1", "cronjobs", "CronJob", true, "cj"],
  ["networking.k8s.io", "v1", "ingresses", "Ingress", true, "ing"],
  ["networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", true, "netpol"],
  ["policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", true, "pdb"],
  ["autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", true, "hpa"],
  ["coordination.k8s.io", "v1", "leases", "Lease", true],
  ["rbac.authorization.k8s.io", "v1", "roles", "Role", true],
  ["rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", true],
  ["rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false],
  ["rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", false],
  ["storage.k8s.io", "v1", "storageclasses", "StorageClass", false, "sc"],
  ["scheduling.k8s.io", "v1", "priorityclasses", "PriorityClass", false, "pc"],
  ["apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", false, "crd"],
];

export function wellKnownKinds(): ResourceKind[] {
  return KINDS.map(([group, version, resource, kind, namespaced, short]) => ({ group, version, resource, kind, namespaced, verbs: ["list", "delete"], singular: kind.toLowerCase(), ...(short ? { shortNames: [short] } : {}) }));
}

// The parts of Kubernetes objects kube-sweeper reads, as plain JSON (from the API or a snapshot).
// Every field is optional: snapshots and servers can omit anything, and odd objects are skipped
// with a reason rather than trusted.

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
}

export interface OwnerReference {
  apiVersion?: string;
  kind?: string;
  name?: string;
  uid?: string;
  controller?: boolean;
}

export interface ContainerStateDetail {
  exitCode?: number;
  reason?: string;
  startedAt?: string;
  finishedAt?: string;
}

export interface ContainerState {
  running?: { startedAt?: string };
  waiting?: { reason?: string; message?: string };
  terminated?: ContainerStateDetail;
}

export interface ContainerStatus {
  name?: string;
  restartCount?: number;
  ready?: boolean;
  state?: ContainerState;
  lastState?: ContainerState;
}

export interface PodCondition {
  type?: string;
  status?: string;
  lastTransitionTime?: string;
}

export interface EnvVar {
  name?: string;
  value?: string;
}

export interface Container {
  name?: string;
  image?: string;
  env?: EnvVar[];
  restartPolicy?: string;
}

export interface Pod {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  spec?: {
    nodeName?: string;
    priorityClassName?: string;
    priority?: number;
    restartPolicy?: string;
    serviceAccountName?: string;
    containers?: Container[];
    initContainers?: Container[];
    volumes?: Volume[];
  };
  status?: {
    phase?: string;
    reason?: string;
    startTime?: string;
    conditions?: PodCondition[];
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
  };
}

export interface Node {
  kind?: string;
  metadata?: ObjectMeta;
  status?: { conditions?: PodCondition[] };
}

export interface Namespace {
  kind?: string;
  metadata?: ObjectMeta;
  status?: { phase?: string };
}

export interface ObjectList<T> {
  kind?: string;
  metadata?: { continue?: string; resourceVersion?: string };
  items?: T[];
}

/** The volume sources the safety filters look at; others are ignored. */
export interface Volume {
  name?: string;
  emptyDir?: object | null;
  hostPath?: { path?: string } | null;
  persistentVolumeClaim?: { claimName?: string } | null;
}

export interface PriorityClass {
  kind?: string;
  metadata?: { name?: string };
  value?: number;
}

/** Any Kubernetes object, as JSON (resource targets: any kind, custom resources included). */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  [field: string]: unknown;
}

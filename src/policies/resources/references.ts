// Which ConfigMaps, Secrets, PersistentVolumeClaims and ServiceAccounts are in use: names per
// namespace, gathered in one pass over the pods and pod templates in scope (never one request
// per object). Only names are kept, never the pods.
import { text } from "../../core/shape.ts";

const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

export const REFERENCED_KINDS = ["configmaps", "secrets", "persistentvolumeclaims", "serviceaccounts"] as const;
export type ReferencedKind = (typeof REFERENCED_KINDS)[number];

type Refs = Record<ReferencedKind, Set<string>>;

interface PodSpecLike {
  volumes?: unknown;
  containers?: unknown;
  initContainers?: unknown;
  ephemeralContainers?: unknown;
  imagePullSecrets?: unknown;
  serviceAccountName?: unknown;
  serviceAccount?: unknown;
}

const obj = (value: unknown): Record<string, unknown> => (value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {});

export class ReferenceIndex {
  readonly #byNamespace = new Map<string, Refs>();

  #refs(namespace: string): Refs {
    let refs = this.#byNamespace.get(namespace);
    if (!refs) {
      refs = { configmaps: new Set(), secrets: new Set(), persistentvolumeclaims: new Set(), serviceaccounts: new Set() };
      this.#byNamespace.set(namespace, refs);
    }
    return refs;
  }

  #note(namespace: string, kind: ReferencedKind, name: unknown): void {
    const n = text(name);
    if (n) this.#refs(namespace)[kind].add(n);
  }

  /** Every reference a pod spec makes: volumes (projected sources too), envFrom, env valueFrom, imagePullSecrets, its service account. */
  addPodSpec(namespace: string, spec: unknown): void {
    const s = obj(spec) as PodSpecLike;
    for (const v of list(s.volumes)) {
      const volume = obj(v);
      this.#note(namespace, "configmaps", obj(volume.configMap).name);
      this.#note(namespace, "secrets", obj(volume.secret).secretName);
      this.#note(namespace, "persistentvolumeclaims", obj(volume.persistentVolumeClaim).claimName);
      for (const source of list(obj(volume.projected).sources)) {
        this.#note(namespace, "configmaps", obj(obj(source).configMap).name);
        this.#note(namespace, "secrets", obj(obj(source).secret).name);
      }
    }
    for (const c of [...list(s.containers), ...list(s.initContainers), ...list(s.ephemeralContainers)]) {
      const container = obj(c);
      for (const from of list(container.envFrom)) {
        this.#note(namespace, "configmaps", obj(obj(from).configMapRef).name);
        this.#note(namespace, "secrets", obj(obj(from).secretRef).name);
      }
      for (const env of list(container.env)) {
        const valueFrom = obj(obj(env).valueFrom);
        this.#note(namespace, "configmaps", obj(valueFrom.configMapKeyRef).name);
        this.#note(namespace, "secrets", obj(valueFrom.secretKeyRef).name);
      }
    }
    for (const secret of list(s.imagePullSecrets)) this.#note(namespace, "secrets", obj(secret).name);
    // A pod without one runs as "default".
    this.#note(namespace, "serviceaccounts", text(s.serviceAccountName) ?? text(s.serviceAccount) ?? "default");
  }

  /**
   * A workload's pod template, and a StatefulSet's volumeClaimTemplates: the claims
   * <template>-<statefulset>-<ordinal> belong to it even while it runs no pods (scaled to 0).
   */
  addWorkload(namespace: string, kind: string, workload: unknown): void {
    const spec = obj(obj(workload).spec);
    const template = kind === "CronJob" ? obj(obj(obj(spec.jobTemplate).spec).template).spec : obj(spec.template).spec;
    this.addPodSpec(namespace, template);
    if (kind === "StatefulSet") {
      const name = text(obj(obj(workload).metadata).name);
      for (const t of list(spec.volumeClaimTemplates)) {
        const claim = text(obj(obj(t).metadata).name);
        if (name && claim) this.#refs(namespace).persistentvolumeclaims.add(`${claim}-${name}-`);
      }
    }
  }

  /** A ServiceAccount's token and pull secrets. */
  addServiceAccount(namespace: string, account: unknown): void {
    const sa = obj(account);
    for (const s of [...list(sa.secrets), ...list(sa.imagePullSecrets)]) this.#note(namespace, "secrets", obj(s).name);
  }

  /** Whether anything read refers to this object; for a PVC, a StatefulSet's claim template counts. */
  uses(kind: ReferencedKind, namespace: string, name: string): boolean {
    const refs = this.#byNamespace.get(namespace)?.[kind];
    if (!refs) return false;
    if (refs.has(name)) return true;
    if (kind !== "persistentvolumeclaims") return false;
    // <claim>-<statefulset>-<ordinal>: the prefix is stored with its trailing dash.
    const ordinal = /-(\d+)$/.exec(name);
    return ordinal !== null && refs.has(name.slice(0, name.length - ordinal[1]!.length));
  }
}

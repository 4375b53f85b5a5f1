// Reading the cluster from `kubectl get pods,nodes,namespaces -A -o json` output: one List, or
// several JSON documents one after another.
import { readFileSync } from "node:fs";
import type { Namespace, Node, Pod, PriorityClass } from "../core/k8s.ts";
import { UsageError } from "../errors.ts";
import { nodeHealth } from "../policies/verdict.ts";
import { namespaceInfo, priorityClassEntry, type ClusterView, type NamespaceManagerObject, type ReadScope } from "./view.ts";

const PAGE_SIZE = 500;

export function readSnapshot(path: string, scope: ReadScope): ClusterView {
  const pods: Pod[] = [];
  const nodes: Node[] = [];
  const namespaces: Namespace[] = [];
  const managers: NamespaceManagerObject[] = [];
  const priorityClasses: PriorityClass[] = [];
  for (const item of snapshotObjects(path)) {
    switch (item.kind) {
      case "Pod":
        pods.push(item as Pod);
        break;
      case "Node":
        nodes.push(item as Node);
        break;
      case "Namespace":
        namespaces.push(item as Namespace);
        break;
      case "PriorityClass":
        priorityClasses.push(item as PriorityClass);
        break;
      case "NamespaceManager":
        managers.push(item as NamespaceManagerObject);
        break;
    }
  }
  const inScope = scope.namespaces ? pods.filter((p) => scope.namespaces!.includes(p.metadata?.namespace ?? "")) : pods;
  return {
    source: { server: `snapshot:${path}`, version: "" },
    nodes: nodes.length > 0 ? new Map(nodes.map((n) => [n.metadata?.name ?? "", nodeHealth(n)])) : undefined,
    namespaces: namespaces.length > 0 ? new Map(namespaces.map((n) => [n.metadata?.name ?? "", namespaceInfo(n)])) : undefined,
    async *podPages() {
      for (let i = 0; i < inScope.length; i += PAGE_SIZE) yield { items: inScope.slice(i, i + PAGE_SIZE), restarted: false };
    },
    namespaceManagers: scope.namespaceManagers ? managers : undefined,
    // A snapshot without PriorityClass objects leaves a class-name threshold unresolved: it protects.
    priorityClasses: scope.needPriorityClasses ? new Map(priorityClasses.map(priorityClassEntry)) : undefined,
  };
}

/** Every object in a snapshot file, of any kind (List items get their kind from the list). */
export function snapshotObjects(path: string): { kind?: unknown }[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`snapshot ${path}: cannot read (${code === "ENOENT" ? "no such file" : code ?? "error"})`);
  }
  return parseJsonDocuments(text, path).flatMap(flatten);
}

interface KindedObject {
  kind?: unknown;
  items?: unknown;
}

function flatten(doc: unknown): KindedObject[] {
  if (!doc || typeof doc !== "object") return [];
  const obj = doc as KindedObject;
  if (Array.isArray(obj.items)) {
    // A List's items lack `kind` when typed lists (PodList) are dumped; infer it from the list.
    const itemKind = typeof obj.kind === "string" && obj.kind.endsWith("List") && obj.kind !== "List" ? obj.kind.slice(0, -4) : undefined;
    return obj.items.filter((i): i is KindedObject => !!i && typeof i === "object").map((i) => (i.kind === undefined && itemKind ? { ...i, kind: itemKind } : i));
  }
  return [obj];
}

/** Splits concatenated JSON documents at top level, honouring strings and escapes. */
export function parseJsonDocuments(text: string, name: string): unknown[] {
  const docs: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 92 /* \ */) i++;
      else if (ch === 34 /* " */) inString = false;
      continue;
    }
    if (ch === 34) inString = true;
    else if (ch === 123 /* { */ || ch === 91 /* [ */) {
      if (depth === 0) start = i;
      depth++;
    } else if (ch === 125 /* } */ || ch === 93 /* ] */) {
      depth--;
      if (depth < 0) break;
      if (depth === 0) docs.push(parseOne(text.slice(start, i + 1), name));
    } else if (depth === 0 && ch > 32) {
      throw new UsageError(`snapshot ${name}: not JSON (unexpected ${JSON.stringify(text[i])} at offset ${i}); expected kubectl get ... -o json output`);
    }
  }
  if (depth !== 0 || inString) throw new UsageError(`snapshot ${name}: truncated JSON document`);
  if (docs.length === 0) throw new UsageError(`snapshot ${name}: no JSON document found`);
  return docs;
}

function parseOne(text: string, name: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`snapshot ${name}: not JSON (${(error as Error).message})`);
  }
}

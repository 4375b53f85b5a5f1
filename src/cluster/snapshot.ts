// Reading the cluster from a dump instead of the API: `kubectl get pods,nodes,namespaces -A -o json`
// (one List, or several JSON documents one after another) or the same with `-o yaml`.
//
// The file is streamed, never read whole: JSON goes through the list splitter the live reads use
// (one item parsed at a time), YAML is cut into items at the lines where kubectl starts them (an
// entry of the top-level `items:` sequence) and each item is parsed on its own. So memory follows
// the largest object, not the file. Two passes: the first keeps the small things (node health,
// namespaces, NamespaceManagers) and checks the whole file's structure, so nothing is evaluated
// from a file that turns out to be broken; the second hands out the pods page by page.
import { createReadStream } from "node:fs";
import { parse as parseYaml } from "yaml";
import type { Namespace, Node, Pod, PriorityClass } from "../core/k8s.ts";
import { UsageError } from "../errors.ts";
import { nodeHealth, type NamespaceInfo, type NodeHealth } from "../policies/verdict.ts";
import { DocumentEnd, ListShapeError, ListSplitter, listProblem, type ListShape } from "./list-splitter.ts";
import { namespaceInfo, priorityClassEntry, type ClusterView, type NamespaceManagerObject, type ReadScope } from "./view.ts";

const PAGE_SIZE = 500;
const READ_CHUNK = 1 << 20;

export interface KindedObject {
  kind?: unknown;
  metadata?: { uid?: unknown; name?: unknown; namespace?: unknown };
}

export async function readSnapshot(path: string, scope: ReadScope): Promise<ClusterView> {
  const nodes = new Map<string, NodeHealth>();
  const namespaces = new Map<string, NamespaceInfo>();
  const managers: NamespaceManagerObject[] = [];
  const priorityClasses: PriorityClass[] = [];
  const once = firstOfEach();
  for await (const batch of snapshotObjects(path)) {
    for (const item of batch) {
      if (item.kind === "Node" && once(item)) nodes.set(text(item.metadata?.name), nodeHealth(item as Node));
      else if (item.kind === "Namespace" && once(item)) {
        const info = namespaceInfo(item as Namespace);
        namespaces.set(info.name, info);
      } else if (item.kind === "NamespaceManager" && once(item)) managers.push(item as NamespaceManagerObject);
      else if (item.kind === "PriorityClass" && once(item)) priorityClasses.push(item as PriorityClass);
    }
  }
  const inScope = (pod: Pod) => !scope.namespaces || scope.namespaces.includes(text(pod.metadata?.namespace));
  return {
    source: { server: `snapshot:${path}`, version: "" },
    nodes: nodes.size > 0 ? nodes : undefined,
    namespaces: namespaces.size > 0 ? namespaces : undefined,
    async *podPages() {
      const podOnce = firstOfEach();
      let page: Pod[] = [];
      for await (const batch of snapshotObjects(path)) {
        for (const item of batch) if (item.kind === "Pod" && inScope(item as Pod) && podOnce(item)) page.push(item as Pod);
        if (page.length >= PAGE_SIZE) {
          yield { items: page, restarted: false };
          page = [];
        }
      }
      if (page.length > 0) yield { items: page, restarted: false };
    },
    namespaceManagers: scope.namespaceManagers ? managers : undefined,
    // A snapshot without PriorityClass objects leaves a class-name threshold unresolved: it protects.
    priorityClasses: scope.needPriorityClasses ? new Map(priorityClasses.map(priorityClassEntry)) : undefined,
  };
}

const text = (value: unknown) => (typeof value === "string" ? value : "");

/**
 * True the first time an object is seen: a dump that lists an object twice (two documents, or
 * the same pod under two lists) holds one object, acted on once. Known by uid, and by namespace
 * and name, which no two live objects of a kind share.
 */
function firstOfEach(): (item: KindedObject) => boolean {
  const seen = new Set<string>();
  return (item) => {
    const kind = text(item.kind);
    const keys = [item.metadata?.uid ? `${kind}#${text(item.metadata.uid)}` : "", item.metadata?.name ? `${kind}/${text(item.metadata.namespace)}/${text(item.metadata.name)}` : ""].filter(Boolean);
    if (keys.some((k) => seen.has(k))) return false;
    for (const k of keys) seen.add(k);
    return true;
  };
}

/**
 * Every object in a snapshot file, of any kind, in batches as the file is read (List items get
 * their kind from a typed list). Throws UsageError, with one line, for a file that is not a dump.
 */
export async function* snapshotObjects(path: string): AsyncGenerator<KindedObject[]> {
  const stream = createReadStream(path, { highWaterMark: READ_CHUNK });
  // One iterator for the whole read: leaving a for-await over a stream would close it.
  const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  try {
    const first = await firstChunk(chunks);
    if (!first) throw new UsageError(`snapshot ${path}: empty file; expected kubectl get ... -o json or -o yaml output`);
    const start = first.subarray(first[0] === 0xef && first[1] === 0xbb && first[2] === 0xbf ? 3 : 0).toString("latin1").trimStart()[0];
    yield* start === "{" || start === "[" ? jsonObjects(rest(first, chunks), path) : yamlObjects(rest(first, chunks), path);
  } catch (error) {
    throw snapshotError(error, path);
  } finally {
    stream.destroy();
  }
}

function snapshotError(error: unknown, path: string): Error {
  if (error instanceof UsageError) return error;
  if (error instanceof ListShapeError) return new UsageError(`snapshot ${path}: not a Kubernetes List: ${error.message}`);
  if (error instanceof SyntaxError) return new UsageError(`snapshot ${path}: ${/ended early/.test(error.message) ? "truncated JSON document" : `not JSON (${error.message})`}`);
  const code = (error as NodeJS.ErrnoException).code;
  if (code) return new UsageError(`snapshot ${path}: cannot read (${code === "ENOENT" ? "no such file" : code === "EISDIR" ? "a directory" : code})`);
  // JSON.parse of an absurdly nested document, and the like.
  return new UsageError(`snapshot ${path}: not readable as a dump (${(error as Error).message.split("\n")[0]})`);
}

async function firstChunk(chunks: AsyncIterator<Buffer>): Promise<Buffer | undefined> {
  // Leading blank chunks are skipped so the format is judged by the first real byte.
  let head = Buffer.alloc(0);
  for (;;) {
    const next = await chunks.next();
    if (next.done) return head.toString("latin1").trim().length > 0 ? head : undefined;
    head = Buffer.concat([head, next.value]);
    if (head.toString("latin1").trim().length > 0) return head;
  }
}

/** The file's bytes from the start again, the first chunk having been looked at. */
async function* rest(first: Buffer, chunks: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  yield first;
  for (;;) {
    const next = await chunks.next();
    if (next.done) return;
    yield next.value;
  }
}

async function* jsonObjects(bytes: AsyncGenerator<Buffer>, path: string): AsyncGenerator<KindedObject[]> {
  const splitter = new ListSplitter({ documents: true });
  let waiting: KindedObject[] = [];
  for await (const chunk of bytes) {
    const out: KindedObject[] = [];
    for (const x of splitter.push(chunk)) {
      if (x instanceof DocumentEnd) {
        out.push(...endOfDocument(x.skeleton, x.shape, waiting, path, splitter.documentsRead));
        waiting = [];
      } else {
        const item = x as KindedObject;
        // A typed list's items lack kind: it is the list's, known once its "kind" was read.
        if (item.kind === undefined) waiting.push(item);
        else out.push(item);
      }
    }
    // What still waits belongs to the document being read: its kind may be known by now.
    if (waiting.length > 0 && splitter.shape.kind !== undefined) {
      out.push(...withKind(waiting, splitter.shape.kind));
      waiting = [];
    }
    if (out.length > 0) yield out;
  }
  splitter.end();
}

const withKind = (items: KindedObject[], listKind: unknown): KindedObject[] => {
  const kind = typeof listKind === "string" && listKind.endsWith("List") && listKind !== "List" ? listKind.slice(0, -4) : undefined;
  return kind ? items.map((i) => (i.kind === undefined ? { ...i, kind } : i)) : items;
};

/** A document has ended: a List (checked) whose waiting items take its kind, or one object. */
function endOfDocument(skeleton: unknown, shape: ListShape, waiting: KindedObject[], path: string, n: number): KindedObject[] {
  const where = `snapshot ${path}: document ${n}`;
  const doc = skeleton as { kind?: unknown; items?: unknown } | null;
  const isList = shape.itemsArray || (doc && typeof doc === "object" && !Array.isArray(doc) && ("items" in doc || (typeof doc.kind === "string" && doc.kind.endsWith("List"))));
  if (isList) {
    const problem = listProblem(skeleton, shape, false);
    if (problem) throw new UsageError(`${where}: not a Kubernetes List: ${problem}`);
    return withKind(waiting, doc!.kind);
  }
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) throw new UsageError(`${where}: not a Kubernetes List or object`);
  if (typeof doc.kind !== "string" || doc.kind === "") throw new UsageError(`${where}: not a Kubernetes List or object (no kind)`);
  if (doc.kind === "Status") throw new UsageError(`${where}: a Status, not a dump of objects`);
  return [doc as KindedObject];
}

/** Lines, as the bytes arrive (a newline byte is never part of a multi-byte UTF-8 character). */
async function* linesOf(bytes: AsyncGenerator<Buffer>): AsyncGenerator<string> {
  let carry: Buffer = Buffer.alloc(0);
  for await (const chunk of bytes) {
    const data = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
    let from = 0;
    for (let nl = data.indexOf(0x0a, from); nl !== -1; nl = data.indexOf(0x0a, from)) {
      yield data.toString("utf8", from, nl > from && data[nl - 1] === 0x0d ? nl - 1 : nl);
      from = nl + 1;
    }
    carry = data.subarray(from);
  }
  if (carry.length > 0) yield carry.toString("utf8");
}

// kubectl writes a List as `items:` at column 0 followed by a block sequence, one entry per object:
// `- apiVersion: v1` at the sequence's indentation, the rest of the object indented further.
const ITEMS_KEY = /^items:[ \t]*(#.*)?$/;
const DOCUMENT_MARK = /^(---|\.\.\.)([ \t].*)?$/;

async function* yamlObjects(bytes: AsyncGenerator<Buffer>, path: string): AsyncGenerator<KindedObject[]> {
  const lines = linesOf(bytes);
  let top: string[] = [];
  let topHasContent = false;
  let itemsKeyLine: string | undefined;
  let itemsIndent: number | undefined;
  let inItems = false;
  let item: string[] | undefined;
  let itemLine = 0;
  let shape: ListShape = { kind: undefined, itemsArray: false, items: 0 };
  let waiting: KindedObject[] = [];
  let out: KindedObject[] = [];
  let documents = 0;
  let lineNo = 0;

  const parseAt = (source: string, line: number): unknown => {
    try {
      return parseYaml(source, { maxAliasCount: 100, uniqueKeys: false });
    } catch (error) {
      const message = (error as Error).message.split("\n")[0]!.replace(/ at line \d+, column \d+.*$/, "");
      throw new UsageError(`snapshot ${path}:${line}: not YAML (${message})`);
    }
  };
  const endItem = () => {
    if (!item) return;
    const value = parseAt(item.join("\n"), itemLine);
    if (!value || typeof value !== "object" || Array.isArray(value)) {
      throw new UsageError(`snapshot ${path}:${itemLine}: not a Kubernetes List: items[${shape.items - 1}] is ${value === null ? "null" : Array.isArray(value) ? "a list" : `a ${typeof value}`}, not an object`);
    }
    const obj = value as KindedObject;
    if (obj.kind === undefined && shape.kind === undefined) waiting.push(obj);
    else out.push(...withKind([obj], shape.kind));
    item = undefined;
  };
  const endItems = () => {
    endItem();
    inItems = false;
  };
  const endDocument = () => {
    endItems();
    if (itemsKeyLine !== undefined) top.push(shape.itemsArray ? "items: []" : itemsKeyLine);
    if (topHasContent) {
      documents++;
      const skeleton = parseAt(top.join("\n"), lineNo);
      if (skeleton && typeof skeleton === "object" && !Array.isArray(skeleton)) shape.kind = (skeleton as { kind?: unknown }).kind as string | undefined;
      out.push(...endOfDocument(skeleton, shape, waiting, path, documents));
    }
    top = [];
    topHasContent = false;
    itemsKeyLine = undefined;
    itemsIndent = undefined;
    shape = { kind: undefined, itemsArray: false, items: 0 };
    waiting = [];
  };

  for await (const line of lines) {
    lineNo++;
    if (out.length >= PAGE_SIZE) {
      yield out;
      out = [];
    }
    if (DOCUMENT_MARK.test(line)) {
      endDocument();
      continue;
    }
    const trimmed = line.trimStart();
    const indent = line.length - trimmed.length;
    const blank = trimmed === "" || trimmed.startsWith("#");
    if (inItems) {
      const entry = /^-([ \t]|$)/.test(trimmed);
      if (blank) {
        item?.push(line);
        continue;
      }
      if (itemsIndent === undefined) {
        if (entry) {
          itemsIndent = indent;
          shape.itemsArray = true;
        } else endItems();
      }
      if (inItems && entry && indent === itemsIndent) {
        endItem();
        shape.items++;
        // The dash becomes a space: the entry's first key keeps its column, the object parses alone.
        item = [`${line.slice(0, indent)} ${trimmed.slice(1)}`];
        itemLine = lineNo;
        continue;
      }
      if (inItems && indent > itemsIndent!) {
        item?.push(line);
        continue;
      }
      endItems();
    }
    if (blank) continue;
    if (indent === 0 && ITEMS_KEY.test(line)) {
      if (itemsKeyLine !== undefined) throw new UsageError(`snapshot ${path}:${lineNo}: not a Kubernetes List: "items" given twice`);
      itemsKeyLine = line;
      inItems = true;
      topHasContent = true;
      continue;
    }
    // A sequence at the top level is never a dump; refuse it before holding any of it.
    if (indent === 0 && /^-([ \t]|$)/.test(trimmed)) throw new UsageError(`snapshot ${path}:${lineNo}: not a Kubernetes List: the top level is a list`);
    if (indent === 0 && /^kind:/.test(line)) {
      const kind = parseAt(line, lineNo) as { kind?: unknown } | null;
      if (typeof kind?.kind === "string") shape.kind = kind.kind;
    }
    top.push(line);
    topHasContent = true;
    if (waiting.length > 0 && shape.kind !== undefined) {
      out.push(...withKind(waiting, shape.kind));
      waiting = [];
    }
  }
  endDocument();
  if (documents === 0) throw new UsageError(`snapshot ${path}: no document found; expected kubectl get ... -o json or -o yaml output`);
  if (out.length > 0) yield out;
}

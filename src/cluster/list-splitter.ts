// Splits a Kubernetes list response (`{"kind": ..., "metadata": {...}, "items": [...]}`) into its
// items as the bytes arrive, so each item is parsed on its own and can be dropped once evaluated:
// a page is never one large string and one large object tree, and memory does not grow with the
// page size. Only the bytes that matter are looked at: structure outside strings, and inside a
// string only the next quote (found with indexOf) and the backslashes before it. Multi-byte UTF-8
// sequences never contain these ASCII bytes, so scanning bytes is safe.
//
// It also reports the list's shape, because a 200 answer that is not a list (`{}`, a Status,
// `"items": null`, items that are not objects) must be a read error, never "no objects": the
// top level must be an object, every element of "items" an object (refused at its first byte,
// so junk is never held), and `listProblem` checks the rest once the list has ended.
//
// The top-level "metadata" object is handed out as soon as it closes: the API server writes it
// (with the continue token) before the items, so the next page can be asked for while this one
// still streams.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

const isSpace = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/** The answer is JSON but not a list of objects. */
export class ListShapeError extends Error {}

export interface ListShape {
  /** The top-level "kind" string, once read (undefined before, or when absent). */
  kind: string | undefined;
  /** "items" was an array (every element of it an object, or the splitter would have thrown). */
  itemsArray: boolean;
  /** Elements of "items" read so far. */
  items: number;
}

/** The end of one top-level document, in `documents` mode: what was left around its items. */
export class DocumentEnd {
  readonly skeleton: unknown;
  readonly shape: ListShape;

  constructor(skeleton: unknown, shape: ListShape) {
    this.skeleton = skeleton;
    this.shape = shape;
  }
}

const firstByteOf = (b: number) =>
  b === OPEN_ARRAY ? "a list" : b === QUOTE ? "a string" : b === 0x6e ? "null" : b === 0x74 || b === 0x66 ? "a boolean" : b === 0x2d || (b >= 0x30 && b <= 0x39) ? "a number" : "not JSON";

export class ListSplitter {
  /** Several top-level objects one after another (snapshot files); otherwise exactly one. */
  readonly #documents: boolean;
  #depth = 0;
  #inString = false;
  /** Backslashes just before the current position inside a string (their parity escapes a quote). */
  #backslashes = 0;
  /** At depth 1: the next string is a key. */
  #expectKey = false;
  /** Bytes of the depth-1 string being captured (a key, or the value of "kind"). */
  #capture: Buffer[] | undefined;
  #capturingKind = false;
  #lastKey = "";
  #itemsKeys = 0;
  /** Depth of the elements of the top-level "items" array while inside it, else 0. */
  #itemsDepth = 0;
  /** The element being read: its bytes so far (across chunks), or undefined between elements. */
  #item: Buffer[] | undefined;
  #skeleton: Buffer[] = [];
  /** The top-level "metadata" object being read: its bytes so far, or undefined. */
  #metadataBytes: Buffer[] | undefined;
  #metadata: Record<string, unknown> | undefined;
  #shape: ListShape = { kind: undefined, itemsArray: false, items: 0 };
  /** A whole document has been read. */
  #ended = false;
  #documentsRead = 0;

  constructor(options: { documents?: boolean } = {}) {
    this.#documents = options.documents ?? false;
  }

  get shape(): Readonly<ListShape> {
    return this.#shape;
  }

  /** The top-level "metadata" object once it has been read whole (before the end of the list). */
  get metadata(): Readonly<Record<string, unknown>> | undefined {
    return this.#metadata;
  }

  get documentsRead(): number {
    return this.#documentsRead;
  }

  /**
   * Feeds the next bytes; returns the items completed in them, parsed (and, in documents mode, a
   * DocumentEnd after each document's last item). Throws SyntaxError for bytes that are not JSON
   * and ListShapeError for JSON that is not a list of objects.
   */
  push(chunk: Buffer): unknown[] {
    const out: unknown[] = [];
    let skeletonFrom = this.#item ? -1 : 0;
    let itemFrom = this.#item ? 0 : -1;
    let metadataFrom = this.#metadataBytes ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      if (this.#item && !this.#inString) {
        // Inside an element, only its end matters: a tight scan, no bookkeeping per byte.
        const end = this.#scanItem(chunk, i);
        if (end === -1) break;
        i = end;
        out.push(this.#endItem(chunk.subarray(itemFrom, i + 1)));
        itemFrom = -1;
        skeletonFrom = -1;
        continue;
      }
      if (this.#inString) {
        const quote = chunk.indexOf(QUOTE, i);
        const end = quote === -1 ? chunk.length : quote;
        // Backslashes right before the quote (or the chunk's end), counted back to i.
        let run = 0;
        while (end - 1 - run >= i && chunk[end - 1 - run] === BACKSLASH) run++;
        const before = end - run === i ? this.#backslashes + run : run;
        if (this.#capture && end > i) this.#capture.push(chunk.subarray(i, end));
        if (quote === -1) {
          this.#backslashes = before;
          break;
        }
        this.#backslashes = 0;
        i = quote;
        if (before % 2 === 1) {
          if (this.#capture) this.#capture.push(chunk.subarray(quote, quote + 1));
          continue;
        }
        this.#inString = false;
        if (this.#capture) this.#endCapture();
        continue;
      }
      const b = chunk[i]!;
      if (isSpace(b)) continue;
      if (this.#ended) {
        if (!this.#documents) throw new SyntaxError("data after the end of the list");
        this.#ended = false;
        skeletonFrom = i;
      }
      if (this.#depth === 0 && b !== OPEN_OBJECT) {
        const what = firstByteOf(b);
        if (what === "not JSON") throw new SyntaxError(`unexpected ${JSON.stringify(String.fromCharCode(b))} at the top level`);
        throw new ListShapeError(`the top level is ${what}, not a Kubernetes List`);
      }
      if (this.#itemsDepth && this.#depth === this.#itemsDepth - 1 && !this.#item && b !== CLOSE_ARRAY) {
        // Between elements of "items": commas are left out of the skeleton.
        if (skeletonFrom !== -1 && skeletonFrom < i) this.#skeleton.push(chunk.subarray(skeletonFrom, i));
        skeletonFrom = -1;
        if (b === COMMA) continue;
        if (b !== OPEN_OBJECT) throw new ListShapeError(`items[${this.#shape.items}] is ${firstByteOf(b)}, not an object`);
        this.#item = [];
        itemFrom = i;
        this.#shape.items++;
      } else if (skeletonFrom === -1 && !this.#item) {
        skeletonFrom = i;
      }
      switch (b) {
        case QUOTE:
          this.#inString = true;
          this.#backslashes = 0;
          if (this.#depth === 1 && !this.#itemsDepth) {
            if (this.#expectKey) this.#capture = [];
            else if (this.#lastKey === "kind") {
              this.#capture = [];
              this.#capturingKind = true;
            }
          }
          break;
        case OPEN_OBJECT:
        case OPEN_ARRAY:
          this.#depth++;
          if (this.#depth === 1) this.#expectKey = true;
          if (this.#depth === 2 && b === OPEN_ARRAY && this.#lastKey === "items" && !this.#expectKey) {
            this.#itemsDepth = 3;
            this.#shape.itemsArray = true;
          }
          if (this.#depth === 2 && b === OPEN_OBJECT && this.#lastKey === "metadata" && !this.#expectKey) {
            this.#metadataBytes = [];
            metadataFrom = i;
          }
          break;
        case CLOSE_OBJECT:
        case CLOSE_ARRAY:
          this.#depth--;
          if (this.#depth < 0) throw new SyntaxError("unbalanced list response");
          if (this.#item && this.#depth === this.#itemsDepth - 1) {
            out.push(this.#endItem(chunk.subarray(itemFrom, i + 1)));
            itemFrom = -1;
            skeletonFrom = -1;
          } else if (this.#metadataBytes && this.#depth === 1) {
            this.#metadataBytes.push(chunk.subarray(metadataFrom, i + 1));
            this.#metadata = parsedMetadata(this.#metadataBytes);
            this.#metadataBytes = undefined;
            metadataFrom = -1;
          } else if (this.#itemsDepth && this.#depth === 1 && b === CLOSE_ARRAY) {
            // The items array closed: its bracket belongs to the skeleton again.
            this.#itemsDepth = 0;
          } else if (this.#depth === 0) {
            this.#ended = true;
            this.#documentsRead++;
            if (this.#documents) {
              this.#skeleton.push(chunk.subarray(skeletonFrom, i + 1));
              skeletonFrom = -1;
              out.push(new DocumentEnd(this.#parseSkeleton(), this.#shape));
              this.#resetDocument();
            }
          }
          break;
        case COMMA:
          if (this.#depth === 1) this.#expectKey = true;
          break;
      }
    }
    if (this.#metadataBytes && metadataFrom !== -1) this.#metadataBytes.push(chunk.subarray(metadataFrom));
    if (this.#item && itemFrom !== -1) this.#item.push(chunk.subarray(itemFrom));
    else if (skeletonFrom !== -1 && skeletonFrom < chunk.length) this.#skeleton.push(chunk.subarray(skeletonFrom));
    return out;
  }

  /**
   * Scans an element of "items" from `from` on: the index of the bracket that closes it, or -1
   * when the chunk ends first (depth and string state are kept for the next chunk). The element's
   * own JSON is checked by JSON.parse once it is whole; here only quotes, backslashes inside
   * strings and brackets outside them count.
   */
  /** The element's last bytes have arrived: it is parsed alone, and the splitter is between elements again. */
  #endItem(last: Buffer): unknown {
    const parts = this.#item!;
    parts.push(last);
    this.#item = undefined;
    return JSON.parse((parts.length === 1 ? parts[0]! : Buffer.concat(parts)).toString("utf8"));
  }

    #scanItem(chunk: Buffer, from: number): number {
    let depth = this.#depth;
    const closed = this.#itemsDepth - 1;
    const length = chunk.length;
    for (let i = from; i < length; i++) {
      const b = chunk[i]!;
      if (b === QUOTE) {
        // To the closing quote: one not preceded by an odd run of backslashes.
        let j = i + 1;
        for (;;) {
          while (j < length && chunk[j] !== QUOTE && chunk[j] !== BACKSLASH) j++;
          if (j >= length) {
            this.#depth = depth;
            this.#inString = true;
            this.#backslashes = 0;
            return -1;
          }
          if (chunk[j] === QUOTE) break;
          // A backslash escapes the next byte, which may be in the next chunk.
          if (j + 1 >= length) {
            this.#depth = depth;
            this.#inString = true;
            this.#backslashes = 1;
            return -1;
          }
          j += 2;
        }
        i = j;
      } else if (b === OPEN_OBJECT || b === OPEN_ARRAY) {
        depth++;
      } else if (b === CLOSE_OBJECT || b === CLOSE_ARRAY) {
        if (--depth === closed) {
          this.#depth = depth;
          return i;
        }
      }
    }
    this.#depth = depth;
    return -1;
  }

  /**
   * After the last chunk: the list without its items (kind, metadata with the continue token).
   * In documents mode every document has been handed out already: this only checks none was cut.
   */
  end<T>(): T {
    if (this.#depth !== 0 || this.#inString || this.#item || (!this.#ended && !this.#documents)) throw new SyntaxError("list response ended early");
    return (this.#documents ? undefined : this.#parseSkeleton()) as T;
  }

  #endCapture() {
    const raw = Buffer.concat(this.#capture!).toString("utf8");
    this.#capture = undefined;
    if (this.#capturingKind) {
      this.#capturingKind = false;
      try {
        this.#shape.kind = JSON.parse(`"${raw}"`) as string;
      } catch {
        this.#shape.kind = raw;
      }
      return;
    }
    this.#lastKey = raw;
    this.#expectKey = false;
    // JSON.parse keeps the last of two equal keys; the items already handed out would disagree.
    if (raw === "items" && ++this.#itemsKeys > 1) throw new ListShapeError('"items" given twice');
  }

  #parseSkeleton(): unknown {
    return JSON.parse(Buffer.concat(this.#skeleton).toString("utf8"));
  }

  #resetDocument() {
    this.#skeleton = [];
    this.#metadata = undefined;
    this.#shape = { kind: undefined, itemsArray: false, items: 0 };
    this.#lastKey = "";
    this.#itemsKeys = 0;
    this.#expectKey = false;
  }
}

/** Bytes that are not JSON here are not reported early: parsing the whole list says what is wrong. */
function parsedMetadata(bytes: Buffer[]): Record<string, unknown> | undefined {
  try {
    return JSON.parse(Buffer.concat(bytes).toString("utf8")) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

const describe = (value: unknown) => (value === null ? "null" : Array.isArray(value) ? "a list" : typeof value === "object" ? "an object" : `a ${typeof value}`);

/**
 * Why a list read whole is not a list, or undefined: kind must end in "List", "items" must be an
 * array of objects, and (for API answers) metadata must be an object. A Status says so.
 */
export function listProblem(skeleton: unknown, shape: ListShape, requireMetadata: boolean): string | undefined {
  if (!skeleton || typeof skeleton !== "object" || Array.isArray(skeleton)) return `the answer is ${describe(skeleton)}, not a Kubernetes List`;
  const list = skeleton as { kind?: unknown; items?: unknown; metadata?: unknown; reason?: unknown; message?: unknown };
  if (list.kind === "Status") return `a Status instead of a list${typeof list.message === "string" ? ` (${list.message})` : ""}`;
  if (typeof list.kind !== "string" || !list.kind.endsWith("List")) return `kind ${JSON.stringify(list.kind ?? null)} is not a List`;
  if (list.items === undefined) return "it has no items";
  if (!shape.itemsArray || !Array.isArray(list.items)) return `its items are ${describe(list.items)}, not a list`;
  if (requireMetadata && (!list.metadata || typeof list.metadata !== "object" || Array.isArray(list.metadata))) return "it has no list metadata";
  return undefined;
}

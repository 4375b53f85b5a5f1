// Splits a Kubernetes list response (`{"kind": ..., "metadata": {...}, "items": [...]}`) into its
// items as the bytes arrive, so each item is parsed on its own and can be dropped once evaluated:
// a page is never one large string and one large object tree, and memory does not grow with the
// page size. Only the bytes that matter are looked at: structure outside strings, and inside a
// string only the next quote (found with indexOf) and the backslashes before it. Multi-byte UTF-8
// sequences never contain these ASCII bytes, so scanning bytes is safe.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COLON = 0x3a;

const isSpace = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

export class ListSplitter {
  #depth = 0;
  #inString = false;
  /** Backslashes just before the current position inside a string (their parity escapes a quote). */
  #backslashes = 0;
  /** At depth 1: the next string is a key. */
  #expectKey = false;
  #key: Buffer[] | undefined;
  #lastKey = "";
  /** Depth of the elements of the top-level "items" array while inside it, else 0. */
  #itemsDepth = 0;
  #itemsRead = false;
  /** The element being read: its bytes so far (across chunks), or undefined between elements. */
  #item: Buffer[] | undefined;
  #itemIsScalar = false;
  #skeleton: Buffer[] = [];

  /** Feeds the next bytes; returns the items completed in them, parsed. */
  push(chunk: Buffer): unknown[] {
    const items: unknown[] = [];
    let skeletonFrom = this.#item ? -1 : 0;
    let itemFrom = this.#item ? 0 : -1;
    const endItem = (end: number) => {
      this.#item!.push(chunk.subarray(itemFrom, end));
      const bytes = this.#item!.length === 1 ? this.#item![0]! : Buffer.concat(this.#item!);
      items.push(JSON.parse(bytes.toString("utf8")));
      this.#item = undefined;
      itemFrom = -1;
    };
    for (let i = 0; i < chunk.length; i++) {
      if (this.#inString) {
        const quote = chunk.indexOf(QUOTE, i);
        const end = quote === -1 ? chunk.length : quote;
        // Backslashes right before the quote (or the chunk's end), counted back to i.
        let run = 0;
        while (end - 1 - run >= i && chunk[end - 1 - run] === BACKSLASH) run++;
        const before = end - run === i ? this.#backslashes + run : run;
        if (this.#key && end > i) this.#key.push(chunk.subarray(i, end));
        if (quote === -1) {
          this.#backslashes = before;
          break;
        }
        this.#backslashes = 0;
        i = quote;
        if (before % 2 === 1) {
          if (this.#key) this.#key.push(chunk.subarray(quote, quote + 1));
          continue;
        }
        this.#inString = false;
        if (this.#key) {
          this.#lastKey = Buffer.concat(this.#key).toString("utf8");
          this.#key = undefined;
          this.#expectKey = false;
        }
        continue;
      }
      const b = chunk[i]!;
      if (isSpace(b)) continue;
      if (this.#itemsDepth && this.#depth === this.#itemsDepth - 1 && !this.#item && b !== CLOSE_ARRAY) {
        // Between elements of "items": commas are left out of the skeleton.
        if (skeletonFrom !== -1 && skeletonFrom < i) this.#skeleton.push(chunk.subarray(skeletonFrom, i));
        skeletonFrom = -1;
        if (b === COMMA) continue;
        this.#item = [];
        itemFrom = i;
        this.#itemIsScalar = b !== OPEN_OBJECT && b !== OPEN_ARRAY;
      } else if (this.#item && this.#itemIsScalar && this.#depth === this.#itemsDepth - 1 && (b === COMMA || b === CLOSE_ARRAY)) {
        endItem(i);
        skeletonFrom = i;
        if (b === COMMA) {
          skeletonFrom = -1;
          continue;
        }
      } else if (skeletonFrom === -1 && !this.#item) {
        skeletonFrom = i;
      }
      switch (b) {
        case QUOTE:
          this.#inString = true;
          this.#backslashes = 0;
          if (this.#depth === 1 && this.#expectKey && !this.#itemsDepth) this.#key = [];
          break;
        case OPEN_OBJECT:
        case OPEN_ARRAY:
          this.#depth++;
          if (this.#depth === 1) this.#expectKey = b === OPEN_OBJECT;
          if (this.#depth === 2 && b === OPEN_ARRAY && this.#lastKey === "items" && !this.#expectKey && !this.#itemsRead) this.#itemsDepth = 3;
          break;
        case CLOSE_OBJECT:
        case CLOSE_ARRAY:
          this.#depth--;
          if (this.#depth < 0) throw new SyntaxError("unbalanced list response");
          if (this.#item && !this.#itemIsScalar && this.#depth === this.#itemsDepth - 1) {
            endItem(i + 1);
            skeletonFrom = -1;
          } else if (this.#itemsDepth && this.#depth === 1 && b === CLOSE_ARRAY) {
            // The items array closed: its bracket belongs to the skeleton again.
            this.#itemsDepth = 0;
            this.#itemsRead = true;
          }
          break;
        case COMMA:
          if (this.#depth === 1) this.#expectKey = true;
          break;
        case COLON:
          break;
      }
    }
    if (this.#item && itemFrom !== -1) this.#item.push(chunk.subarray(itemFrom));
    else if (skeletonFrom !== -1 && skeletonFrom < chunk.length) this.#skeleton.push(chunk.subarray(skeletonFrom));
    return items;
  }

  /** After the last chunk: the list without its items (kind, metadata with the continue token). */
  end<T>(): T {
    if (this.#depth !== 0 || this.#inString || this.#item) throw new SyntaxError("list response ended early");
    return JSON.parse(Buffer.concat(this.#skeleton).toString("utf8")) as T;
  }
}

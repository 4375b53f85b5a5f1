// JSON written piece by piece, byte for byte what JSON.stringify(value, null, indent) gives: a
// report of tens of thousands of actions never exists as one string (a 20,000-deletion plan's
// report is several MB, and the string plus its copy on the way out was the run's peak memory).
// Objects and arrays are walked down to `depth`; below it each value is one JSON.stringify call.

/** Pieces of at least this many characters are handed to the writer (fewer, larger writes). */
const CHUNK = 64 * 1024;

/**
 * The JSON text of `value` as consecutive chunks. Plain objects and arrays are walked; anything
 * else (a Date, an object with toJSON) is handed whole to JSON.stringify, and keys whose value
 * JSON leaves out (undefined, functions, symbols) are left out the same way.
 */
export function* jsonChunks(value: unknown, indent = 0, depth = 2): Generator<string> {
  const gap = " ".repeat(indent);
  let buffer = "";
  function* put(text: string): Generator<string> {
    buffer += text;
    if (buffer.length >= CHUNK) {
      yield buffer;
      buffer = "";
    }
  }
  function* walk(v: unknown, level: number, margin: string): Generator<string> {
    const walkable = level < depth && isPlain(v);
    if (!walkable) {
      // Nested lines get this level's margin, exactly as JSON.stringify indents them.
      const text = JSON.stringify(v, null, indent) ?? "null";
      yield* put(indent && margin ? text.replaceAll("\n", `\n${margin}`) : text);
      return;
    }
    const inner = margin + gap;
    const open = indent ? `\n${inner}` : "";
    const sep = indent ? `,\n${inner}` : ",";
    const close = indent ? `\n${margin}` : "";
    if (Array.isArray(v)) {
      if (v.length === 0) return yield* put("[]");
      yield* put(`[${open}`);
      for (let i = 0; i < v.length; i++) {
        if (i > 0) yield* put(sep);
        yield* walk(v[i], level + 1, inner);
      }
      return yield* put(`${close}]`);
    }
    // Keys whose value JSON leaves out (undefined, functions, symbols) are not written.
    const entries = Object.entries(v as object).filter(([, x]) => x !== undefined && typeof x !== "function" && typeof x !== "symbol");
    if (entries.length === 0) return yield* put("{}");
    yield* put(`{${open}`);
    for (let i = 0; i < entries.length; i++) {
      const [key, x] = entries[i]!;
      if (i > 0) yield* put(sep);
      yield* put(`${JSON.stringify(key)}:${indent ? " " : ""}`);
      yield* walk(x, level + 1, inner);
    }
    yield* put(`${close}}`);
  }
  yield* walk(value, 0, "");
  if (buffer) yield buffer;
}

function isPlain(v: unknown): v is object {
  if (Array.isArray(v)) return true;
  if (v === null || typeof v !== "object") return false;
  const proto = Object.getPrototypeOf(v);
  return (proto === Object.prototype || proto === null) && typeof (v as { toJSON?: unknown }).toJSON !== "function";
}

// Patterns from a config file run against every pod name. JavaScript regular expressions
// backtrack, so a repeated group that can itself match in several ways ((a+)+, (a|aa)*) takes
// exponential time on a near-miss. Such patterns, and backreferences, are refused up front.

interface Group {
  quantified: boolean;
  alternation: boolean;
}

/** Why the pattern could run for exponential time, or undefined when it cannot. */
export function backtrackingRisk(source: string): string | undefined {
  const stack: Group[] = [{ quantified: false, alternation: false }];
  let i = 0;
  // What the next quantifier applies to: a closed group's frame, or a single atom.
  let lastGroup: Group | undefined;
  while (i < source.length) {
    const ch = source[i]!;
    if (ch === "\\") {
      const next = source[i + 1] ?? "";
      if (/[1-9]/.test(next) || (next === "k" && source[i + 2] === "<")) return "backreferences are not allowed";
      i += 2;
      lastGroup = undefined;
      continue;
    }
    if (ch === "[") {
      i = endOfClass(source, i);
      lastGroup = undefined;
      continue;
    }
    if (ch === "(") {
      stack.push({ quantified: false, alternation: false });
      // (?:, (?=, (?!, (?<=, (?<! and (?<name>: skip the marker, the rest is an ordinary pattern.
      i += source[i + 1] === "?" ? 3 : 1;
      lastGroup = undefined;
      continue;
    }
    if (ch === ")") {
      const closed = stack.length > 1 ? stack.pop()! : undefined;
      if (closed) {
        const parent = stack[stack.length - 1]!;
        parent.quantified ||= closed.quantified;
        parent.alternation ||= closed.alternation;
      }
      lastGroup = closed;
      i++;
      continue;
    }
    if (ch === "|") {
      stack[stack.length - 1]!.alternation = true;
      lastGroup = undefined;
      i++;
      continue;
    }
    const quantifier = readQuantifier(source, i);
    if (quantifier) {
      if (quantifier.repeats) {
        if (lastGroup && (lastGroup.quantified || lastGroup.alternation)) {
          return `a repeated group containing ${lastGroup.quantified ? "a repetition" : "alternatives"} (near ${JSON.stringify(source.slice(Math.max(0, i - 12), i + quantifier.length))}) can take exponential time`;
        }
        stack[stack.length - 1]!.quantified = true;
      }
      i += quantifier.length;
      // A lazy or possessive-looking suffix belongs to the quantifier.
      if (source[i] === "?") i++;
      lastGroup = undefined;
      continue;
    }
    lastGroup = undefined;
    i++;
  }
  return undefined;
}

function endOfClass(source: string, start: number): number {
  let i = start + 1;
  if (source[i] === "^") i++;
  if (source[i] === "]") i++;
  while (i < source.length && source[i] !== "]") i += source[i] === "\\" ? 2 : 1;
  return i + 1;
}

/** *, +, ? and {n}, {n,}, {n,m}; `repeats` when it can match more than once. */
function readQuantifier(source: string, i: number): { length: number; repeats: boolean } | undefined {
  const ch = source[i];
  if (ch === "*" || ch === "+") return { length: 1, repeats: true };
  if (ch === "?") return { length: 1, repeats: false };
  if (ch !== "{") return undefined;
  const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i));
  if (!m) return undefined;
  const max = m[2] === undefined ? Number(m[1]) : m[3] === "" ? Infinity : Number(m[3]);
  return { length: m[0].length, repeats: max > 1 };
}

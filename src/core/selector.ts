// Kubernetes label selectors in their string form: `a=b`, `a==b`, `a!=b`, `a in (x,y)`,
// `a notin (x)`, `a`, `!a`, joined by commas (all must hold).

export type Requirement =
  | { key: string; op: "in"; values: string[] }
  | { key: string; op: "notin"; values: string[] }
  | { key: string; op: "exists" }
  | { key: string; op: "doesnotexist" };

export type LabelSelector = Requirement[];

export class SelectorError extends Error {}

const KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

export function parseSelector(input: string): LabelSelector {
  const text = input.trim();
  if (text === "") return [];
  return splitTopLevel(text).map((part) => parseRequirement(part.trim(), input));
}

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "(") depth++;
    else if (ch === ")") depth--;
    else if (ch === "," && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

function parseRequirement(part: string, whole: string): Requirement {
  const fail = (why: string): never => {
    throw new SelectorError(`${JSON.stringify(whole)} is not a label selector: ${why}`);
  };
  if (part === "") fail("empty requirement");
  let match = /^(\S+?)\s*(==|!=|=)\s*(\S*)$/.exec(part);
  if (match) {
    const [, key = "", op, value = ""] = match;
    checkKey(key, fail);
    checkValue(value, fail);
    return op === "!=" ? { key, op: "notin", values: [value] } : { key, op: "in", values: [value] };
  }
  match = /^(\S+)\s+(in|notin)\s*\(([^()]*)\)$/.exec(part);
  if (match) {
    const [, key = "", op, list = ""] = match;
    checkKey(key, fail);
    const values = list.split(",").map((v) => v.trim());
    values.forEach((v) => checkValue(v, fail));
    return { key, op: op as "in" | "notin", values };
  }
  if (part.startsWith("!")) {
    const key = part.slice(1).trim();
    checkKey(key, fail);
    return { key, op: "doesnotexist" };
  }
  checkKey(part, fail);
  return { key: part, op: "exists" };
}

function checkKey(key: string, fail: (why: string) => never): void {
  if (!KEY.test(key)) fail(`invalid label key ${JSON.stringify(key)}`);
}

function checkValue(value: string, fail: (why: string) => never): void {
  if (!VALUE.test(value)) fail(`invalid label value ${JSON.stringify(value)}`);
}

export function matchesSelector(selector: LabelSelector, labels: Record<string, string> | undefined): boolean {
  const have = labels ?? {};
  return selector.every((req) => {
    const present = Object.hasOwn(have, req.key);
    switch (req.op) {
      case "exists":
        return present;
      case "doesnotexist":
        return !present;
      case "in":
        return present && req.values.includes(have[req.key]!);
      case "notin":
        return !present || !req.values.includes(have[req.key]!);
    }
  });
}

/** The selector in the API's query-string form, for server-side filtering. */
export function formatSelector(selector: LabelSelector): string {
  return selector
    .map((req) => {
      switch (req.op) {
        case "exists":
          return req.key;
        case "doesnotexist":
          return `!${req.key}`;
        case "in":
          return req.values.length === 1 ? `${req.key}=${req.values[0]}` : `${req.key} in (${req.values.join(",")})`;
        case "notin":
          return req.values.length === 1 ? `${req.key}!=${req.values[0]}` : `${req.key} notin (${req.values.join(",")})`;
      }
    })
    .join(",");
}

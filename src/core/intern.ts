// One copy of each distinct string or list of strings. A plan of tens of thousands of targets
// repeats the same few texts (a namespace, "age 4m18s >= 1s", a limit's reason) once per target,
// each built anew; kept through an Interner they are held once. Meant for one run's plan: it is
// dropped with it.
export class Interner {
  private readonly strings = new Map<string, string>();
  private readonly lists = new Map<string, string[]>();

  of(text: string): string {
    const held = this.strings.get(text);
    if (held !== undefined) return held;
    this.strings.set(text, text);
    return text;
  }

  /** The same list for the same texts; frozen, since every holder shares it. */
  list(texts: string[]): string[] {
    const key = texts.join("\u0000");
    const held = this.lists.get(key);
    if (held !== undefined) return held;
    const list = Object.freeze(texts.map((t) => this.of(t))) as string[];
    this.lists.set(key, list);
    return list;
  }
}

/** A mutable count: one map lookup per increment instead of a get and a set. */
export interface Count {
  n: number;
}

/**
 * Counts under up to three label values, a map per level: no key string is built per event
 * (a template string per event cost more than the rest of the counting). Unused levels are ''.
 */
export class CountTree {
  readonly #root: Map<string, Map<string, Map<string, Count>>> = new Map();

  /** The count of `(a, b, c)`, created at 0 when new. */
  at(a: string, b: string, c: string): Count {
    let l1 = this.#root.get(a);
    if (l1 === undefined) {
      l1 = new Map();
      this.#root.set(a, l1);
    }
    let l2 = l1.get(b);
    if (l2 === undefined) {
      l2 = new Map();
      l1.set(b, l2);
    }
    let count = l2.get(c);
    if (count === undefined) {
      count = { n: 0 };
      l2.set(c, count);
    }
    return count;
  }

  /** Every `[a, b, c, n]`. */
  entries(): Array<[string, string, string, number]> {
    const out: Array<[string, string, string, number]> = [];
    for (const [a, l1] of this.#root)
      for (const [b, l2] of l1) for (const [c, count] of l2) out.push([a, b, c, count.n]);
    return out;
  }

  get size(): number {
    return this.#root.size;
  }
}

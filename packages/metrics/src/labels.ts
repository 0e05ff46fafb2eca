/** The label value every value past a family's limit is counted under. */
export const OVERFLOW = '_other';

/**
 * A bounded set of label values: the first `max` distinct values are kept as they are, every
 * later one becomes {@link OVERFLOW}. With `allow`, only those values are kept. Metric
 * cardinality (and memory) stays bounded whatever the events carry.
 */
export class LabelSet {
  readonly #max: number;
  readonly #allow: ReadonlySet<string> | undefined;
  readonly #seen = new Set<string>();

  constructor(max: number, allow?: readonly string[]) {
    this.#max = max;
    this.#allow = allow === undefined ? undefined : new Set(allow);
  }

  /** The value to use for `value`: itself, or {@link OVERFLOW}. */
  bound(value: string): string {
    if (this.#seen.has(value)) return value;
    if (this.#allow !== undefined) return this.#allow.has(value) ? value : OVERFLOW;
    if (this.#seen.size >= this.#max) return OVERFLOW;
    this.#seen.add(value);
    return value;
  }
}

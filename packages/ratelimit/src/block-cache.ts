/**
 * The identifiers known to be blocked, with when their block ends (ms since the epoch), so a
 * blocked caller is answered in process with no round trip. At most `max` entries: a write moves
 * its entry to the newest place, and past `max` the entry written longest ago goes. A read does
 * not refresh it: a block ends on its own, and the caller that keeps hitting it is written again
 * when its next check is denied.
 *
 * A Map keeps insertion order, which is all this needs; lru-cache (18.7 kB minified) weighed more
 * in an edge bundle than the rest of the block cache's callers together.
 */
export class BlockCache {
  readonly #max: number;
  readonly #until = new Map<string, number>();

  constructor(max: number) {
    this.#max = max;
  }

  /** When the block of `part` ends, if one is known (expired entries included: the caller checks). */
  get(part: string): number | undefined {
    return this.#until.get(part);
  }

  set(part: string, until: number): void {
    const map = this.#until;
    map.delete(part);
    map.set(part, until);
    if (map.size > this.#max) map.delete(map.keys().next().value as string);
  }

  delete(part: string): void {
    this.#until.delete(part);
  }

  get size(): number {
    return this.#until.size;
  }
}

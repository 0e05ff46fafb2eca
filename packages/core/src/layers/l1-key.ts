let make: (full: string) => L1Key;
let read: (key: L1Key) => string;

/**
 * A key of an L1 view resolved once (see `L1Cache.key`): the L1's own key, built from the view's
 * prefix when it was made. Opaque: only the L1 reads it, so it cannot be made to name a key
 * outside the view it came from.
 */
export class L1Key {
  readonly #full: string;

  private constructor(full: string) {
    this.#full = full;
  }

  static {
    make = (full) => new L1Key(full);
    read = (key) => key.#full;
  }
}

/**
 * A key for the L1's own key `full` (a view's prefix plus its key). The string is kept, so every
 * lookup with it reuses the hash V8 stores on it instead of building and hashing a new one.
 */
export function l1Key(full: string): L1Key {
  return make(full);
}

/** The L1's own key held by `key`. */
export function l1KeyString(key: L1Key): string {
  return read(key);
}

import type { KeyType } from '../../driver.js';
import { fromReplyError, type KvError } from '../../errors.js';
import type { Deque } from './deque.js';
import type { SortedSet } from './zset.js';

/** A stored value, tagged with its Redis type. */
export type Value =
  | { readonly type: 'string'; value: string }
  | TripleString
  | { readonly type: 'hash'; readonly value: Map<string, string> }
  | { readonly type: 'list'; readonly value: Deque }
  | { readonly type: 'set'; readonly value: Set<string> }
  | { readonly type: 'zset'; readonly value: SortedSet };

/**
 * A string value kept as three whole numbers until something reads it as text: the value is
 * `<a>:<b>:<c>` (each in decimal, as Lua's `%d` writes it), built on the first read and kept.
 * A script's state rewritten on every call (the rate limiter's GCRA) then costs no number to
 * string conversion and no parse; every command still sees the same string through `value`.
 */
export class TripleString {
  readonly type = 'string' as const;
  a: number;
  b: number;
  c: number;
  /** False once `value` was assigned a string: the numbers no longer describe it. */
  packed = true;
  private text: string | undefined = undefined;

  /** Three safe integers, not -0 (the caller checks: see {@link Keyspace.setTripleAt}). */
  constructor(a: number, b: number, c: number) {
    this.a = a;
    this.b = b;
    this.c = c;
  }

  get value(): string {
    if (this.text === undefined) this.text = `${this.a}:${this.b}:${this.c}`;
    return this.text;
  }

  set value(text: string) {
    this.text = text;
    this.packed = false;
  }

  /** Replace the numbers in place (the record of a hot key is reused). */
  repack(a: number, b: number, c: number): void {
    this.a = a;
    this.b = b;
    this.c = c;
    this.text = undefined;
    this.packed = true;
  }
}

/** Redis's own error texts, raised as KvErrors through the same mapping real Redis replies take. */
export const ERR = {
  wrongType: 'WRONGTYPE Operation against a key holding the wrong kind of value',
  notInteger: 'ERR value is not an integer or out of range',
  notFloat: 'ERR value is not a valid float',
  syntax: 'ERR syntax error',
  overflow: 'ERR increment or decrement would overflow',
  notPositive: 'ERR value is out of range, must be positive',
  minMax: 'ERR min or max is not a float',
} as const;

/** Raise a Redis error text. */
export function fail(text: string): never {
  throw fromReplyError(text, 'memory') as KvError;
}

/** Raise Redis's arity error. */
export function arity(name: string): never {
  return fail(`ERR wrong number of arguments for '${name.toLowerCase()}' command`);
}

/**
 * Redis's keyIsExpired: a key expiring at `at` is gone only once `now > at`, so it is alive (PTTL
 * 0) at its expiry millisecond. (EXPIRE-family commands setting an expiry <= now delete at once.)
 */
export function isExpired(at: number | undefined, now: number): boolean {
  return at !== undefined && at < now;
}

/**
 * The keyspace: values and expiry times, lazily expired on access. The Map's insertion order
 * doubles as the LRU order when `maxKeys` is set (a hit moves the key to the end).
 */
export class Keyspace {
  readonly data: Map<string, Value> = new Map();
  /** Absolute expiry in ms, like Redis's `expires` dict; its order is the sweep's rotation. */
  readonly expires: Map<string, number> = new Map();
  /** The time commands see; frozen for the duration of a script, as Redis does. */
  now = 0;

  /** The adapter's clock, ms since the epoch (TIME reads it directly). */
  readonly clock: () => number;
  private readonly maxKeys: number | undefined;

  constructor(maxKeys: number | undefined, clock: () => number) {
    this.maxKeys = maxKeys;
    this.clock = clock;
  }

  private expireIfNeeded(key: string): boolean {
    if (isExpired(this.expires.get(key), this.now)) {
      this.data.delete(key);
      this.expires.delete(key);
      return true;
    }
    return false;
  }

  /** The live value at `key`, or undefined. Counts as a use for LRU. */
  get(key: string): Value | undefined {
    if (this.expireIfNeeded(key)) return undefined;
    const value = this.data.get(key);
    if (value !== undefined && this.maxKeys !== undefined) {
      this.data.delete(key);
      this.data.set(key, value);
    }
    return value;
  }

  /** The value at `key` if it has `type`; undefined when missing; WRONGTYPE otherwise. */
  typed<T extends KeyType>(key: string, type: T): Extract<Value, { type: T }> | undefined {
    const value = this.get(key);
    if (value === undefined) return undefined;
    if (value.type !== type) fail(ERR.wrongType);
    return value as Extract<Value, { type: T }>;
  }

  /** Store a value. Keeps the TTL only when asked (SET KEEPTTL); a new key evicts the LRU one. */
  set(key: string, value: Value, keepTtl = false): void {
    let existed: boolean;
    if (this.maxKeys === undefined) {
      // Without LRU the order does not matter: one Map operation instead of delete + set.
      const before = this.data.size;
      this.data.set(key, value);
      existed = this.data.size === before;
    } else {
      existed = this.data.delete(key);
      this.data.set(key, value);
    }
    if (!keepTtl) this.expires.delete(key);
    if (!existed) this.evict();
  }

  /**
   * GET's answer for a script's typed read: the string, or undefined when missing; WRONGTYPE
   * for another type. An expired key reads as missing but is left in place: a script that
   * writes it next (a limiter's state) then reuses its entries instead of deleting and adding
   * them, and one that does not leaves it to the next access or the sweep, as any expired key.
   */
  liveString(key: string): string | undefined {
    if (this.maxKeys !== undefined) return this.typed(key, 'string')?.value;
    const at = this.expires.get(key);
    if (at !== undefined && at <= this.now) return undefined;
    const value = this.data.get(key);
    if (value === undefined) return undefined;
    if (value.type !== 'string') fail(ERR.wrongType);
    return value.value;
  }

  /**
   * `SET key value PXAT at` of a string: a string already at `key` keeps its record (the value
   * replaced in place), so a hot key rewritten on every call allocates nothing here.
   */
  setStringAt(key: string, value: string, at: number): void {
    const current = this.maxKeys === undefined ? this.data.get(key) : undefined;
    if (current !== undefined && current.type === 'string') current.value = value;
    else this.set(key, { type: 'string', value }, true);
    this.expires.set(key, at);
  }

  /**
   * The live string at `key` as {@link liveString} reads it, except that a value written by
   * {@link setTripleAt} (and not replaced since) is returned as its record, numbers unread.
   */
  liveTriple(key: string): TripleString | string | undefined {
    if (this.maxKeys !== undefined) {
      const v = this.typed(key, 'string');
      return v instanceof TripleString && v.packed ? v : v?.value;
    }
    const at = this.expires.get(key);
    if (at !== undefined && at <= this.now) return undefined;
    const value = this.data.get(key);
    if (value === undefined) return undefined;
    if (value.type !== 'string') fail(ERR.wrongType);
    return value instanceof TripleString && value.packed ? value : value.value;
  }

  /**
   * `SET key "<a>:<b>:<c>" PXAT at` kept as numbers (see {@link TripleString}); `a`, `b`, `c`
   * safe integers, not -0, so that their text is the same digits Lua's `%d` writes. A packed
   * record at `key` is reused.
   */
  setTripleAt(key: string, a: number, b: number, c: number, at: number, held?: TripleString): void {
    // `held`: the record `liveTriple` just returned for `key`, with nothing run since (the
    // engine vouches for it), so no second lookup.
    const current = this.maxKeys !== undefined ? undefined : held !== undefined ? held : this.data.get(key);
    if (current instanceof TripleString) current.repack(a, b, c);
    else this.set(key, new TripleString(a, b, c), true);
    this.expires.set(key, at);
  }

  /** Add a new container value (hash, list, set, zset) that the caller fills in. */
  create<V extends Value>(key: string, value: V): V {
    this.set(key, value);
    return value;
  }

  delete(key: string): boolean {
    this.expires.delete(key);
    return this.data.delete(key);
  }

  /** Empty containers disappear, as in Redis. */
  deleteIfEmpty(key: string, value: Value): void {
    const size =
      value.type === 'string'
        ? 1
        : value.type === 'list'
          ? value.value.length
          : value.type === 'zset'
            ? value.value.size
            : value.value.size;
    if (size === 0) this.delete(key);
  }

  private evict(): void {
    if (this.maxKeys === undefined) return;
    while (this.data.size > this.maxKeys) {
      const oldest = this.data.keys().next();
      if (oldest.done) return;
      this.delete(oldest.value);
    }
  }

  /** Absolute expiry of a live key, or undefined. */
  expiry(key: string): number | undefined {
    return this.expires.get(key);
  }

  setExpiry(key: string, at: number): void {
    this.expires.delete(key);
    this.expires.set(key, at);
  }

  /**
   * Examine at most `batch` keys that have a TTL and delete the expired ones. Live keys move to
   * the end of the rotation, so successive sweeps cover every key. Returns how many were deleted.
   */
  sweep(batch: number): number {
    let examined = 0;
    let deleted = 0;
    const live: Array<[string, number]> = [];
    for (const [key, at] of this.expires) {
      if (examined++ >= batch) break;
      // As Redis's active expiry cycle: expired only when now > expiry.
      if (isExpired(at, this.now)) {
        this.data.delete(key);
        this.expires.delete(key);
        deleted++;
      } else {
        live.push([key, at]);
      }
    }
    for (const [key, at] of live) {
      this.expires.delete(key);
      this.expires.set(key, at);
    }
    return deleted;
  }
}

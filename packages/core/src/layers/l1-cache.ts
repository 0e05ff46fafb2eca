import { LRUCache } from 'lru-cache';
import type { Codec } from '../codecs.js';
import type { KvError } from '../errors.js';
import { Emitter } from '../events.js';

/** Counters of an L1 tier. Read them from `store.l1.stats`; each read is a fresh snapshot. */
export interface L1Stats {
  /** Reads served from L1 (zero round trips). */
  readonly hits: number;
  /** Reads that went to the store. */
  readonly misses: number;
  /** Entries dropped to stay within `max` or `maxBytes`. */
  readonly evictions: number;
  /** Entries dropped on a read because their L1 TTL (capped by the store TTL) ran out. */
  readonly expirations: number;
  /** Keys evicted because a command or script named them, here or in another process. */
  readonly invalidations: number;
  /** Times the whole L1 was emptied (subscriber reconnect, `clear()`, a keyless write). */
  readonly clears: number;
  /** Invalidation messages that failed to publish (other processes then rely on the L1 TTL). */
  readonly publishErrors: number;
  /** Entries held now. */
  readonly size: number;
  /** Approximate bytes held now: 2 per UTF-16 unit of key and value, plus 64 per entry. */
  readonly bytes: number;
}

/** Why keys left L1 because of a write. */
export type L1InvalidationSource = 'local' | 'remote' | 'resubscribe' | 'clear';

/** Events of an L1 tier, for the metrics package. Listeners cost nothing until attached. */
export interface L1Events extends Record<string, unknown> {
  /** A read was served from L1. */
  hit: { readonly key: string };
  /** A read went to the store. */
  miss: { readonly key: string };
  /** An entry left L1 on its own: `capacity` (max / maxBytes) or `expired` (TTL). */
  evict: { readonly key: string; readonly reason: 'capacity' | 'expired' };
  /** Keys were invalidated by a write (`keys` is `'*'` when the whole L1 was emptied). */
  invalidate: { readonly keys: readonly string[] | '*'; readonly source: L1InvalidationSource };
  /** The invalidation bus failed; the L1 TTL then bounds staleness. */
  error: { readonly error: KvError; readonly during: 'publish' | 'subscribe' | 'message' };
}

/** One cached string, and optionally its decoded form for one codec. */
export interface L1Entry {
  readonly value: string;
  /** `performance.now()` reading at which this copy stops being served. */
  readonly expiresAt: number;
  decoded?: { readonly codec: Codec<unknown>; readonly value: unknown } | undefined;
}

/** Settings of {@link L1State}, already validated. */
export interface L1StateOptions {
  readonly max: number;
  readonly maxBytes: number;
  readonly maxEntryBytes: number;
  readonly ttl: number;
}

const ENTRY_OVERHEAD = 64;
/**
 * Redis counts PTTL in whole ms and the memory store reads a ms clock: ending the L1 copy
 * 2 ms early keeps it from outliving the store's value.
 */
const EXPIRY_MARGIN_MS = 2;

/**
 * The in-process half of the L1: an lru-cache plus the bookkeeping that keeps a read in flight
 * from re-inserting a value a write has just replaced.
 *
 * The race: a read is sent, a write (here or, via the bus, elsewhere) lands, and then the read's
 * old reply arrives. Each read notes the logical clock when it starts; every invalidation of a
 * key with reads in flight stamps the key with a newer tick. A read inserts only when no stamp
 * is newer than its start and no write of that key is in flight. Both maps only hold keys with
 * operations in flight, so they stay small.
 */
export class L1State {
  readonly events: Emitter<L1Events> = new Emitter<L1Events>();
  readonly lru: LRUCache<string, L1Entry>;
  readonly #ttl: number;
  #clock = 0;
  #clearedAt = 0;
  readonly #reading = new Map<string, number>();
  readonly #stampedAt = new Map<string, number>();
  readonly #writing = new Map<string, number>();
  /** False while the invalidation bus is not subscribed: nothing is cached then. */
  accepting = true;
  /**
   * Moves whenever an entry leaves the lru-cache or is replaced (write, invalidation, clear,
   * expiry, eviction). While it stands still, every entry peeked earlier is still the one held.
   */
  epoch = 0;
  hits = 0;
  misses = 0;
  evictions = 0;
  expirations = 0;
  invalidations = 0;
  clears = 0;
  publishErrors = 0;

  constructor(options: L1StateOptions) {
    this.#ttl = options.ttl;
    this.lru = new LRUCache<string, L1Entry>({
      max: options.max,
      maxSize: options.maxBytes,
      maxEntrySize: options.maxEntryBytes,
      sizeCalculation: (entry, key) => (entry.value.length + key.length) * 2 + ENTRY_OVERHEAD,
      // Expiry is checked here, on each hit, against an expiresAt taken from the store's PTTL:
      // lru-cache's own TTL caches its clock until a timer clears it, and a busy loop of hits
      // (microtasks only) never lets that timer run.
      ttlAutopurge: false,
      allowStale: false,
      updateAgeOnGet: false,
      dispose: (_entry, key, reason) => {
        this.epoch++;
        if (reason === 'evict') {
          this.evictions++;
          if (this.events.has('evict')) this.events.emit('evict', { key, reason: 'capacity' });
        }
      },
    });
  }

  /** The live entry for `key` without counting anything; drops it when it has expired. */
  peek(key: string): L1Entry | undefined {
    return this.#peekAt(key, performance.now());
  }

  #peekAt(key: string, now: number): L1Entry | undefined {
    const entry = this.lru.get(key);
    if (entry === undefined || entry.expiresAt > now) return entry;
    this.lru.delete(key);
    this.expirations++;
    if (this.events.has('evict')) this.events.emit('evict', { key, reason: 'expired' });
    return undefined;
  }

  /** Count a hit of `key` (found with {@link peek}). */
  hit(key: string): void {
    this.hits++;
    if (this.events.has('hit')) this.events.emit('hit', { key });
  }

  /**
   * {@link lookup} for a caller whose key is valid only before `notAfter` (a `performance.now()`
   * reading): `null`, with nothing counted, once the clock has reached it. One clock reading
   * serves both checks.
   */
  lookupBefore(key: string, notAfter: number): L1Entry | undefined | null {
    const now = performance.now();
    return now >= notAfter ? null : this.#counted(key, this.#peekAt(key, now));
  }

  /** The entry for `key`, counting a hit or a miss. */
  lookup(key: string): L1Entry | undefined {
    return this.#counted(key, this.peek(key));
  }

  #counted(key: string, entry: L1Entry | undefined): L1Entry | undefined {
    if (entry !== undefined) {
      this.hit(key);
    } else {
      this.misses++;
      if (this.events.has('miss')) this.events.emit('miss', { key });
    }
    return entry;
  }

  /** Note a read of `key` going to the store; pass the result to {@link endRead}. */
  beginRead(key: string): number {
    this.#reading.set(key, (this.#reading.get(key) ?? 0) + 1);
    return this.#clock;
  }

  /** The read that began at `start` is over; true when its reply may be cached. */
  endRead(key: string, start: number): boolean {
    const stamp = this.#stampedAt.get(key);
    const fresh =
      this.accepting &&
      this.#clearedAt <= start &&
      (stamp === undefined || stamp <= start) &&
      !this.#writing.has(key);
    const left = (this.#reading.get(key) ?? 1) - 1;
    if (left <= 0) {
      this.#reading.delete(key);
      this.#stampedAt.delete(key);
    } else {
      this.#reading.set(key, left);
    }
    return fresh;
  }

  /**
   * Cache `value`, read from the store at `sentAt` (a `performance.now()` reading taken before
   * the request left) together with its PTTL in ms (`undefined` when not read). The L1 TTL ends
   * before the store's expiry: it counts from the send time, not the reply time, less a margin.
   */
  insert(key: string, value: string, pttl: number | undefined, sentAt: number): L1Entry | undefined {
    let ttl = this.#ttl;
    if (pttl !== undefined) {
      if (pttl === -2 || pttl === 0 || pttl < -2) return undefined;
      if (pttl > 0) ttl = Math.min(ttl, Math.floor(pttl - (performance.now() - sentAt)) - EXPIRY_MARGIN_MS);
    }
    if (ttl < 1) return undefined;
    const entry: L1Entry = { value, expiresAt: performance.now() + ttl };
    this.lru.set(key, entry);
    return this.lru.peek(key) === entry ? entry : undefined;
  }

  /** A write of `key` is about to be sent: evict it and hold off inserts until it completes. */
  beginWrite(key: string): void {
    this.#writing.set(key, (this.#writing.get(key) ?? 0) + 1);
    this.invalidate(key);
  }

  /** The write of `key` completed (or failed): evict again, so no read in flight re-inserts it. */
  endWrite(key: string): void {
    const left = (this.#writing.get(key) ?? 1) - 1;
    if (left <= 0) this.#writing.delete(key);
    else this.#writing.set(key, left);
    this.invalidate(key);
  }

  /** Evict `key` and make every read of it already in flight discard its reply. */
  invalidate(key: string): void {
    if (this.lru.delete(key)) this.invalidations++;
    if (this.#reading.has(key)) this.#stampedAt.set(key, ++this.#clock);
  }

  /** Empty the L1 and make every read in flight discard its reply. */
  clear(source: L1InvalidationSource): void {
    this.#clearedAt = ++this.#clock;
    this.epoch++;
    this.lru.clear();
    this.clears++;
    if (this.events.has('invalidate')) this.events.emit('invalidate', { keys: '*', source });
  }

  /** Report invalidated keys to listeners (the eviction itself is done by {@link invalidate}). */
  report(keys: readonly string[], source: L1InvalidationSource): void {
    if (this.events.has('invalidate')) this.events.emit('invalidate', { keys, source });
  }

  stats(): L1Stats {
    return {
      hits: this.hits,
      misses: this.misses,
      evictions: this.evictions,
      expirations: this.expirations,
      invalidations: this.invalidations,
      clears: this.clears,
      publishErrors: this.publishErrors,
      size: this.lru.size,
      bytes: this.lru.calculatedSize,
    };
  }
}

import * as z from 'zod';

/** Options of {@link withL1}. */
export interface L1Options {
  /**
   * Most entries held, at most 10,000,000: lru-cache allocates its index arrays for `max`
   * entries up front, so a huge `max` would exhaust the heap at construction. @default 10000
   */
  max?: number | undefined;
  /** Most bytes held, counted as 2 per UTF-16 unit of key and value plus 64 per entry. @default 67108864 (64 MiB) */
  maxBytes?: number | undefined;
  /** Values larger than this (same count as `maxBytes`) are never cached. @default 1048576 (1 MiB) */
  maxEntryBytes?: number | undefined;
  /**
   * Longest time an entry stays in L1, in ms. Never longer than the value's own TTL in the store.
   * Without pub/sub this is also the longest another process's write can go unseen.
   * @default 10000
   */
  ttl?: number | undefined;
  /**
   * `read`: a miss reads the value and its PTTL in one round trip (one small Lua script; a
   * pipeline on a Cluster when keys span slots), so the L1
   * copy expires no later than the store's. `ignore`: a miss sends only GET, and an L1 copy may
   * outlive a store TTL shorter than `ttl` by up to `ttl`: only for data written without TTLs.
   * @default 'read'
   */
  storeTtl?: 'read' | 'ignore' | undefined;
  /**
   * Pub/sub channel for invalidations between processes; `false` turns the bus off. Processes
   * must wrap the same view (same namespace) to understand each other's keys.
   * @default 'rf:l1:invalidate' when the store has `capabilities.pubsub`, else off
   */
  channel?: string | false | undefined;
  /**
   * How a decoded value is shielded from callers: `freeze` deep-freezes it once (a hit returns
   * the same frozen object), `clone` returns a `structuredClone` per hit.
   * @default 'freeze'
   */
  protect?: 'freeze' | 'clone' | undefined;
  /**
   * Key prefixes (relative to the wrapped store) this L1 serves. A command, script or batch
   * entry whose keys are all outside them goes straight to the store: never cached, evicted or
   * published. Keep rate-limit, lock, queue and session keys off the L1 and its bus this way,
   * e.g. `only: ['cache:']` for a cache at its default prefix.
   * @default every key
   */
  only?: readonly string[] | undefined;
}

/** {@link L1Options} with their defaults applied. */
export interface ResolvedL1Options {
  readonly max: number;
  readonly maxBytes: number;
  readonly maxEntryBytes: number;
  readonly ttl: number;
  readonly storeTtl: 'read' | 'ignore';
  readonly channel?: string | false | undefined;
  readonly protect: 'freeze' | 'clone';
  readonly only?: readonly string[] | undefined;
}

/** The largest `max`: lru-cache preallocates index arrays of this length (about 40 bytes each). */
const L1_MAX_ENTRIES = 10_000_000;

/** The schema of {@link L1Options}, with their defaults; parsed once per `withL1`. */
export const L1_OPTIONS: z.ZodType<ResolvedL1Options, L1Options> = z
  .object({
    max: z
      .number()
      .int()
      .positive()
      .max(L1_MAX_ENTRIES, 'must be at most 10000000 (lru-cache allocates max entries up front)')
      .default(10_000),
    maxBytes: z
      .number()
      .int()
      .positive()
      .default(64 * 1024 * 1024),
    maxEntryBytes: z
      .number()
      .int()
      .positive()
      .default(1024 * 1024),
    ttl: z.number().int().positive().default(10_000),
    storeTtl: z.enum(['read', 'ignore']).default('read'),
    channel: z.union([z.string().min(1), z.literal(false)]).optional(),
    protect: z.enum(['freeze', 'clone']).default('freeze'),
    // No `.readonly()`: zod freezes the input before checking it, and freezing a typed array throws a TypeError.
    only: z.array(z.string().min(1)).min(1).optional(),
  })
  .strict();

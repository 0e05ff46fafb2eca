import type { BenchRedis } from '../types.js';

/**
 * Inputs shared by every cache scenario, ours and the peers': 1,000 keys, each holding a
 * ~110-byte JSON object, JSON serialisation on every side, one Redis, TTLs far past the run.
 * Misses use keys no run reuses within its time (300,000 of them, precomputed).
 */
export const CACHE_KEYS: readonly string[] = Array.from({ length: 1000 }, (_, i) => `item:${i}`);

/** A ~110-byte JSON object per key. */
export const CACHE_VALUES: readonly CacheValue[] = CACHE_KEYS.map((_, i) => ({
  id: i,
  name: `campaign ${String(i).padStart(4, '0')}`,
  status: 'active',
  budget: 1000 + i,
  owner: 'workspace-acme',
  updatedAt: '2026-11-21T00:00:00.000Z',
}));

/** Keys for getOrSet misses: never written before their op. */
export const MISS_KEYS: readonly string[] = Array.from({ length: 300_000 }, (_, i) => `miss:${i}`);

/** The value of a cache entry in every scenario. */
export interface CacheValue {
  id: number;
  name: string;
  status: string;
  budget: number;
  owner: string;
  updatedAt: string;
}

/** One hour, in ms: nothing expires during a run. */
export const CACHE_TTL_MS = 3_600_000;

/** The operations the cache scenarios time. */
export type CacheOp = 'get-l1' | 'get-l2' | 'miss' | 'set';

/** Pick the key of op `i`. */
export function keyOf(i: number): string {
  return CACHE_KEYS[i % CACHE_KEYS.length] as string;
}

/** Pick the value of op `i`. */
export function cacheValueOf(i: number): CacheValue {
  return CACHE_VALUES[i % CACHE_VALUES.length] as CacheValue;
}

/** Pick a miss key for op `i`. */
export function missKeyOf(i: number): string {
  return MISS_KEYS[i % MISS_KEYS.length] as string;
}

/** Delete every key under `prefix` with SCAN (the bench never flushes a database it may share). */
export async function deleteUnder(redis: BenchRedis, prefix: string): Promise<void> {
  const { Redis } = await import('ioredis');
  const client = new Redis(redis.url);
  try {
    let cursor = '0';
    for (let n = 0; n < 10_000; n++) {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length) await client.unlink(...keys);
      cursor = next;
      if (cursor === '0') break;
    }
  } finally {
    client.disconnect();
  }
}

/** Check a read got a value, so a scenario never times misses by mistake. */
export function expectHit(value: unknown, lib: string): void {
  if (value === undefined || value === null) throw new Error(`${lib}: a timed read missed`);
}

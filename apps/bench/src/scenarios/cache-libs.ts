import type { KvStore } from '@raptorflow/core';
import type { BenchRedis, ScenarioContext } from '../types.js';
import {
  CACHE_KEYS,
  CACHE_TTL_MS,
  CACHE_VALUES,
  type CacheOp,
  type CacheValue,
  cacheValueOf,
  deleteUnder,
  expectHit,
  keyOf,
  missKeyOf,
} from './cache-shared.js';

type Instance = { op: (i: number) => Promise<unknown>; teardown(): Promise<void> };

/** Fixed 256-bit keys for the encrypted rows: the bench measures the cipher, not key handling. */
const ENCRYPTION = {
  current: 'k2',
  keys: { k1: new Uint8Array(32).fill(7), k2: new Uint8Array(32).fill(9) },
};

/**
 * @raptorflow/cache on the scenario's adapter; `get-l1` adds core's withL1 (decoded, frozen
 * values); `encrypted` sets the namespace's `encryption` (AES-256-GCM, Web Crypto).
 */
export async function raptorflowCache(
  ctx: ScenarioContext,
  op: CacheOp,
  prefix: string,
  /** Attach something to the store before the loop (metrics); its return runs at teardown. */
  attach?: (store: KvStore) => () => void,
  encrypted = false,
): Promise<Instance> {
  const redis = ctx.redis;
  if (!redis) throw new Error(`cache ${op} (raptorflow) needs Redis`);
  const { withL1 } = await import('@raptorflow/core');
  const { createCache } = await import('@raptorflow/cache');
  // The scenario's adapter (ioredis or node-redis), built by core's registry.
  const base = await ctx.store();
  const store = op === 'get-l1' ? withL1(base, { max: 10_000, ttl: CACHE_TTL_MS, channel: false }) : base;
  const cache = createCache({
    store,
    prefix: `${prefix}rf:`,
    defaults: { ttl: CACHE_TTL_MS, compressAbove: false, ...(encrypted ? { encryption: ENCRYPTION } : {}) },
  });
  const detach = attach?.(store);
  const ns = cache.workspace('acme').namespace<CacheValue>('campaigns');
  await ns.setMany(CACHE_KEYS.map((key, i) => ({ key, value: CACHE_VALUES[i] as CacheValue })));
  for (const key of CACHE_KEYS) expectHit(await ns.get(key), 'raptorflow');
  if (op === 'get-l1') for (const key of CACHE_KEYS) expectHit(await ns.get(key), 'raptorflow');
  const teardown = async (): Promise<void> => {
    detach?.();
    await cache.close();
    await deleteUnder(redis, prefix);
    await store.close();
  };
  switch (op) {
    case 'get-l1':
    case 'get-l2':
      return { op: (i) => ns.get(keyOf(i)), teardown };
    case 'miss':
      return { op: (i) => ns.getOrSet(missKeyOf(i), () => cacheValueOf(i)), teardown };
    case 'set':
      return { op: (i) => ns.set(keyOf(i), cacheValueOf(i)), teardown };
  }
}

/** bentocache 1.6: memory L1 (serialize: true, its default) + redis L2, or L2 only; no bus. */
export async function bentocache(redis: BenchRedis, op: CacheOp, prefix: string): Promise<Instance> {
  const { BentoCache, bentostore } = await import('bentocache');
  const { memoryDriver } = await import('bentocache/drivers/memory');
  const { redisDriver } = await import('bentocache/drivers/redis');
  const { Redis } = await import('ioredis');
  const connection = new Redis(redis.url);
  let store = bentostore();
  if (op === 'get-l1') store = store.useL1Layer(memoryDriver({ maxItems: 10_000 }));
  store = store.useL2Layer(redisDriver({ connection: connection as never, prefix: `${prefix}bento` }));
  const bento = new BentoCache({ default: 'cache', stores: { cache: store }, ttl: CACHE_TTL_MS });
  for (let i = 0; i < CACHE_KEYS.length; i++) {
    await bento.set({ key: CACHE_KEYS[i] as string, value: CACHE_VALUES[i] });
  }
  for (const key of CACHE_KEYS) expectHit(await bento.get({ key }), 'bentocache');
  const teardown = async (): Promise<void> => {
    await bento.disconnectAll().catch(() => {});
    connection.disconnect();
    await deleteUnder(redis, prefix);
  };
  switch (op) {
    case 'get-l1':
    case 'get-l2':
      return { op: (i) => bento.get({ key: keyOf(i) }), teardown };
    case 'miss':
      return { op: (i) => bento.getOrSet({ key: missKeyOf(i), factory: () => cacheValueOf(i) }), teardown };
    case 'set':
      return { op: (i) => bento.set({ key: keyOf(i), value: cacheValueOf(i) }), teardown };
  }
}

/** Keyv 5 on @keyv/redis (node-redis), JSON serialisation (its default). */
async function keyvRedis(redis: BenchRedis, namespace: string) {
  const { default: Keyv } = await import('keyv');
  const { default: KeyvRedis } = await import('@keyv/redis');
  const store = new KeyvRedis(redis.url);
  return { keyv: new Keyv({ store, namespace, ttl: CACHE_TTL_MS }), store };
}

/** cache-manager 7: `get-l1` with [memory Keyv, redis Keyv], else the redis Keyv only; `wrap` for getOrSet. */
export async function cacheManager(redis: BenchRedis, op: CacheOp, prefix: string): Promise<Instance> {
  const { createCache } = await import('cache-manager');
  const { default: Keyv } = await import('keyv');
  const { keyv: l2 } = await keyvRedis(redis, `${prefix}cm`);
  const stores = op === 'get-l1' ? [new Keyv({ ttl: CACHE_TTL_MS }), l2] : [l2];
  const cache = createCache({ stores, ttl: CACHE_TTL_MS });
  await cache.mset(CACHE_KEYS.map((key, i) => ({ key, value: CACHE_VALUES[i], ttl: CACHE_TTL_MS })));
  for (const key of CACHE_KEYS) expectHit(await cache.get(key), 'cache-manager');
  const teardown = async (): Promise<void> => {
    await cache.disconnect().catch(() => {});
    await deleteUnder(redis, prefix);
  };
  switch (op) {
    case 'get-l1':
    case 'get-l2':
      return { op: (i) => cache.get(keyOf(i)), teardown };
    case 'miss':
      return { op: (i) => cache.wrap(missKeyOf(i), async () => cacheValueOf(i), CACHE_TTL_MS), teardown };
    case 'set':
      return { op: (i) => cache.set(keyOf(i), cacheValueOf(i), CACHE_TTL_MS), teardown };
  }
}

/** Keyv 5 on @keyv/redis: one store, no getOrSet (a miss is get, then set). */
export async function keyv(redis: BenchRedis, op: CacheOp, prefix: string): Promise<Instance> {
  const { keyv: kv } = await keyvRedis(redis, `${prefix}kv`);
  for (let i = 0; i < CACHE_KEYS.length; i++) await kv.set(CACHE_KEYS[i] as string, CACHE_VALUES[i]);
  for (const key of CACHE_KEYS) expectHit(await kv.get(key), 'keyv');
  const teardown = async (): Promise<void> => {
    await kv.disconnect().catch(() => {});
    await deleteUnder(redis, prefix);
  };
  switch (op) {
    case 'get-l1':
    case 'get-l2':
      return { op: (i) => kv.get(keyOf(i)), teardown };
    case 'miss':
      return {
        op: async (i) => {
          const key = missKeyOf(i);
          const hit = await kv.get(key);
          if (hit !== undefined) return hit;
          const value = cacheValueOf(i);
          await kv.set(key, value);
          return value;
        },
        teardown,
      };
    case 'set':
      return { op: (i) => kv.set(keyOf(i), cacheValueOf(i)), teardown };
  }
}

/** cacheable 2: primary CacheableMemory + secondary redis Keyv; `getOrSet` for misses. */
export async function cacheable(redis: BenchRedis, op: CacheOp, prefix: string): Promise<Instance> {
  const { Cacheable } = await import('cacheable');
  const { keyv: secondary } = await keyvRedis(redis, `${prefix}ca`);
  const cache = new Cacheable({ secondary, ttl: CACHE_TTL_MS });
  for (let i = 0; i < CACHE_KEYS.length; i++) await cache.set(CACHE_KEYS[i] as string, CACHE_VALUES[i]);
  for (const key of CACHE_KEYS) expectHit(await cache.get(key), 'cacheable');
  const teardown = async (): Promise<void> => {
    await cache.disconnect().catch(() => {});
    await deleteUnder(redis, prefix);
  };
  switch (op) {
    case 'get-l1':
    case 'get-l2':
      return { op: (i) => cache.get(keyOf(i)), teardown };
    case 'miss':
      return { op: (i) => cache.getOrSet(missKeyOf(i), async () => cacheValueOf(i)), teardown };
    case 'set':
      return { op: (i) => cache.set(keyOf(i), cacheValueOf(i)), teardown };
  }
}

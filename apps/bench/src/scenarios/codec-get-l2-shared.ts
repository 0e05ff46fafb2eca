import type { BenchRedis, ScenarioInstance } from '../types.js';
import { CACHE_KEYS, CACHE_TTL_MS, CACHE_VALUES, deleteUnder, expectHit, keyOf } from './cache-shared.js';

/** Fixed 256-bit keys: the bench measures the cipher, not key handling. */
const KEY_OLD = new Uint8Array(32).fill(7);
const KEY_CURRENT = new Uint8Array(32).fill(9);

/**
 * A read served by Redis and decoded: `store.get` + `jsonCodec().decode`, or the same value
 * written through `encryptedCodec(jsonCodec())` (AES-256-GCM, Web Crypto) and decoded through it.
 * The same ~110-byte JSON values as the cache rows (cache-shared.ts); the difference between the
 * two rows is the cost of encryption per value.
 */
export async function codecGet(
  redis: BenchRedis,
  encrypted: boolean,
  prefix: string,
): Promise<ScenarioInstance> {
  const { ioredisAdapter } = await import('@raptorflow/core/ioredis');
  const { encryptedCodec, jsonCodec } = await import('@raptorflow/core/codecs');
  const store = ioredisAdapter({ url: redis.url });
  const json = jsonCodec<unknown>();
  const aes = encryptedCodec(json, { current: 'k2', keys: { k1: KEY_OLD, k2: KEY_CURRENT } });
  for (const [i, key] of CACHE_KEYS.entries()) {
    const value = CACHE_VALUES[i];
    const stored = encrypted ? await aes.encode(value) : json.encode(value);
    await store.set(`${prefix}${key}`, stored, { ttl: CACHE_TTL_MS });
  }
  const read = encrypted
    ? async (key: string) => aes.decode((await store.get(key)) as string)
    : async (key: string) => json.decode((await store.get(key)) as string);
  for (const key of CACHE_KEYS) expectHit(await read(`${prefix}${key}`), encrypted ? 'aes-gcm' : 'json');
  return {
    op: (i) => read(`${prefix}${keyOf(i)}`),
    async teardown() {
      await deleteUnder(redis, prefix);
      await store.close();
    },
  };
}

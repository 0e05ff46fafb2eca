import { countCommands, type RedisServer, startRedis } from '@raptorflow/testkit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ioredisAdapter } from '../../src/adapters/ioredis.js';
import { upstashAdapter } from '../../src/adapters/upstash.js';
import type { Codec } from '../../src/codecs.js';
import { isKvError } from '../../src/errors.js';
import { type L1Store, withL1 } from '../../src/layers/l1.js';
import { defineScript } from '../../src/script.js';
import type { KvStore } from '../../src/types.js';

/*
 * Read-only scripts on a withL1 store: no eviction, no PUBLISH (counted by the server with
 * INFO commandstats on a redis-server of this file's own), sent as EVALSHA_RO so Redis checks
 * the declaration. A writing script still evicts and publishes.
 */

const run = `ro${process.pid}:`;
const RAW: Codec<string> = { name: 'raw', encode: (v) => v, decode: (v) => v };

const READ = defineScript<string | null>({
  name: 'test-read',
  keys: 1,
  readonly: true,
  lua: "return redis.call('GET', KEYS[1])",
  twin: (ctx, keys) => ctx.call('GET', keys[0] as string) as string | null,
});
const WRITE = defineScript({
  name: 'test-write',
  keys: 1,
  lua: "return redis.call('SET', KEYS[1], ARGV[1])",
  twin: (ctx, keys, args) => ctx.call('SET', keys[0] as string, args[0] as string),
});
/** Declared read-only but writes: Redis must refuse it. */
const LIAR = defineScript({
  name: 'test-liar',
  keys: 1,
  readonly: true,
  lua: "return redis.call('SET', KEYS[1], 'x')",
  twin: (ctx, keys) => ctx.call('SET', keys[0] as string, 'x'),
});

let redis: RedisServer;
let store: L1Store;
beforeAll(async () => {
  redis = await startRedis();
  store = withL1(ioredisAdapter({ url: redis.url }));
  await store.l1.ready;
});
afterAll(async () => {
  await store?.close();
  await redis?.stop();
});

/** Commands Redis ran while `body` ran (and L1's bus flushed), without the INFO calls. */
function sent(body: () => Promise<unknown>): Promise<Record<string, number>> {
  return countCommands(redis, async () => {
    await body();
    await store.l1.flush();
  });
}

describe('read-only scripts on withL1 (ioredis, commandstats)', () => {
  it('defineScript records the flag; it defaults to false and must be a boolean', () => {
    expect(READ.readonly).toBe(true);
    expect(WRITE.readonly).toBe(false);
    expect(() =>
      defineScript({ name: 'x', lua: 'return 1', twin: () => 1, readonly: 'yes' as unknown as boolean }),
    ).toThrow(expect.objectContaining({ code: 'E_INVALID_OPTIONS' }));
  });

  it('a read-only script publishes nothing and evicts nothing; a writing script does both', async () => {
    const key = `${run}k`;
    await store.set(key, 'v');
    expect(await store.get(key)).toBe('v'); // now in L1
    await store.eval(READ, [key]); // loads the script (EVAL_RO)
    const invalidations = store.l1.stats.invalidations;

    const reads = await sent(async () => {
      for (let i = 0; i < 50; i++) expect(await store.eval(READ, [key])).toBe('v');
      await store.batch().eval(READ, [key]).exec();
    });
    expect(reads).toEqual({ evalsha_ro: 51, get: 51 });
    expect(store.l1.peekDecoded(key, RAW)).toBe('v');
    expect(store.l1.stats.invalidations).toBe(invalidations);

    const writes = await sent(() => store.eval(WRITE, [key], ['w']));
    expect(writes.publish).toBe(1);
    expect(store.l1.peekDecoded(key, RAW)).toBeUndefined();
    expect(store.l1.stats.invalidations).toBe(invalidations + 1);
    expect(await store.get(key)).toBe('w');
  });

  it('Redis refuses a write from a script declared read-only (EVAL_RO, then EVALSHA_RO)', async () => {
    for (let i = 0; i < 2; i++) {
      const error = await store.eval(LIAR, [`${run}liar`]).catch((e: unknown) => e);
      expect(isKvError(error)).toBe(true);
      expect(String((error as Error).message)).toMatch(/read-only scripts/);
    }
    expect(await store.get(`${run}liar`)).toBeNull();
  });
});

describe('read-only scripts on Cluster and Upstash (shared test servers)', () => {
  const servers = inject('raptorflow');
  const stores: KvStore[] = [];
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
  });
  const targets: Record<string, () => KvStore> = {
    'ioredis Cluster': () => ioredisAdapter({ cluster: { nodes: servers.cluster.nodes } }),
    upstash: () => upstashAdapter({ url: servers.upstash.url, token: servers.upstash.token }),
  };
  for (const [name, create] of Object.entries(targets)) {
    it(`${name}: runs a read-only script (twice: EVAL_RO, then EVALSHA_RO) and refuses a lying one`, async () => {
      const s = create();
      stores.push(s);
      const key = `{${run}${name}}:k`;
      await s.set(key, 'v');
      expect(await s.eval(READ, [key])).toBe('v');
      expect(await s.eval(READ, [key])).toBe('v');
      const settled = await s.batch().eval(READ, [key]).eval(LIAR, [key]).execSettled();
      expect(settled[0]).toEqual({ ok: true, value: 'v' });
      expect(settled[1]).toMatchObject({ ok: false, error: { message: expect.stringMatching(/read-only/) } });
      await expect(s.eval(LIAR, [key])).rejects.toThrow(/read-only scripts/);
      expect(await s.get(key)).toBe('v');
    });
  }
});

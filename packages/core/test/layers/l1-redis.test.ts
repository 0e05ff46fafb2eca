import {
  commandStats,
  diffCommandStats,
  type RedisServer,
  respCommand,
  startRedis,
} from '@raptorflow/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ioredisAdapter } from '../../src/adapters/ioredis.js';
import { memoryAdapter } from '../../src/adapters/memory.js';
import { type L1Store, withL1 } from '../../src/layers/l1.js';
import { L1_READ } from '../../src/layers/l1-read.js';

// Our own server: exact INFO commandstats deltas need a server no other test file uses.
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

async function stats(): Promise<Map<string, number>> {
  return commandStats(redis.host, redis.port);
}

/** Commands sent between two snapshots, without the INFO calls themselves. */
function sent(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const diff = Object.fromEntries(diffCommandStats(before, after));
  delete diff.info;
  return diff;
}

describe('withL1 on ioredis (commandstats)', () => {
  it('an L1 hit makes zero round trips; a miss makes one (one EVALSHA_RO)', async () => {
    await store.get('warm-up'); // loads the script (EVALSHA, NOSCRIPT, EVAL) once
    await store.set('hit', 'v');
    await store.l1.flush();
    const s0 = await stats();
    expect(await store.get('hit')).toBe('v');
    const s1 = await stats();
    // One round trip: the EVALSHA; Redis also counts the GET and PTTL it runs inside.
    expect(sent(s0, s1)).toEqual({ evalsha_ro: 1, get: 1, pttl: 1 });
    for (let i = 0; i < 200; i++) expect(await store.get('hit')).toBe('v');
    await store.mget(['hit', 'hit']);
    const s2 = await stats();
    expect(sent(s1, s2)).toEqual({});
  });

  it('mget fetches only the misses, in one round trip', async () => {
    await store.mset({ m1: '1', m2: '2', m3: '3' });
    await store.get('m1');
    await store.l1.flush();
    const s0 = await stats();
    expect(await store.mget(['m1', 'm2', 'm3', 'absent'])).toEqual(['1', '2', '3', null]);
    expect(sent(s0, await stats())).toEqual({ evalsha_ro: 1, mget: 1, pttl: 3 });
  });

  it('a write evicts: the next read goes to Redis and sees the new value', async () => {
    await store.set('w', 'a');
    await store.get('w');
    await respCommand(redis.host, redis.port, ['SET', 'w', 'behind-its-back']);
    expect(await store.get('w')).toBe('a'); // no pub/sub message for a raw write: L1 serves it
    await store.set('w', 'b');
    await store.l1.flush();
    const s0 = await stats();
    expect(await store.get('w')).toBe('b');
    expect(sent(s0, await stats())).toEqual({ evalsha_ro: 1, get: 1, pttl: 1 });
  });

  it('the read script gives the same reply on Redis and on the memory twin', async () => {
    const mem = memoryAdapter({ sweepIntervalMs: 0 });
    const raw = ioredisAdapter({ url: redis.url });
    try {
      for (const s of [mem, raw]) {
        await s.del(['d1', 'd2', 'd3', 'dh']);
        await s.set('d1', 'x');
        await s.set('d2', 'y', { ttl: 1_000_000 });
        await s.hset('dh', { f: 'v' });
      }
      for (const keys of [['d1'], ['d3'], ['d1', 'd2', 'd3', 'dh']]) {
        const mode = keys.length === 1 ? 'get' : 'mget';
        const a = await mem.eval(L1_READ, keys, [mode]);
        const b = await raw.eval(L1_READ, keys, [mode]);
        // PTTLs of a key with a TTL differ by the time between the two calls: compare their sign.
        const norm = (r: unknown[]) => r.map((v) => (typeof v === 'number' && v > 0 ? 'ttl' : v));
        expect(norm(a)).toEqual(norm(b));
      }
      await expect(mem.eval(L1_READ, ['dh'], ['get'])).rejects.toMatchObject({ code: 'E_WRONG_TYPE' });
      await expect(raw.eval(L1_READ, ['dh'], ['get'])).rejects.toMatchObject({ code: 'E_WRONG_TYPE' });
      expect(await mem.eval(L1_READ, ['dh'], ['mget'])).toEqual(await raw.eval(L1_READ, ['dh'], ['mget']));
    } finally {
      await mem.close();
      await raw.close();
    }
  });
});

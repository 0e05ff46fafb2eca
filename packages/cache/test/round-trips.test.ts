import { type KvStore, withL1 } from '@raptorflow/core';
import { ioredisAdapter } from '@raptorflow/core/ioredis';
import { commandStats, diffCommandStats, type RedisServer, startRedis } from '@raptorflow/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCache, type NamespaceCache } from '../src/index.js';

/*
 * Commands per operation, counted by the server (INFO commandstats) on a redis-server of this
 * file's own, so no other test's commands are counted. Commands a script runs inside Redis are
 * counted too (as `get`, `set`, ...): without L1 the client sends nothing but EVALSHA, so
 * `evalsha` is the number of round trips and the rest is work done inside the script.
 */

let server: RedisServer;
beforeAll(async () => {
  server = await startRedis();
});
afterAll(async () => {
  await server?.stop();
});

async function count(run: () => Promise<unknown>): Promise<Record<string, number>> {
  const before = await commandStats(server.host, server.port);
  await run();
  const after = await commandStats(server.host, server.port);
  return Object.fromEntries(diffCommandStats(before, after));
}

function total(stats: Record<string, number>): number {
  return Object.values(stats).reduce((a, b) => a + b, 0);
}

async function namespaceOn(store: KvStore): Promise<NamespaceCache<{ n: number }>> {
  const cache = createCache({ store, prefix: `rt${Math.random().toString(36).slice(2, 8)}:` });
  const ns = cache.workspace('acme').namespace<{ n: number }>('profiles');
  // Warm up: scripts loaded, counters created, so the counts below are the steady state.
  await ns.getOrSet('warm', () => ({ n: 0 }), { tags: ['t'], lease: true });
  await ns.get('warm');
  await ns.getMany(['warm', 'x']);
  await ns.delete('warm');
  return ns;
}

describe('round trips on Redis (commandstats)', () => {
  it('without L1: a hit, a miss, a tagged set and a getMany of 100 keys are one command each', async () => {
    const store = ioredisAdapter({ url: server.url });
    const ns = await namespaceOn(store);
    await ns.setMany(Array.from({ length: 100 }, (_, i) => ({ key: `k${i}`, value: { n: i } })));
    // Inside the script: GET of the two generations and of the entry.
    const hit = await count(() => ns.get('k1'));
    expect(hit).toEqual({ evalsha: 1, get: 3 });
    const miss = await count(() => ns.get('nope'));
    expect(miss).toEqual({ evalsha: 1, get: 3 });
    // Read (with the versions of tag t, 2 more GETs), then write (2 GETs of generations + SET).
    const getOrSetMiss = await count(() => ns.getOrSet('fresh', () => ({ n: 1 }), { tags: ['t'] }));
    expect(getOrSetMiss).toEqual({ evalsha: 2, get: 7, set: 1 });
    // A tagged hit reads its tags' versions in the same script.
    const taggedHit = await count(() => ns.get('fresh'));
    expect(taggedHit).toEqual({ evalsha: 1, get: 5 });
    const tagged = await count(() => ns.set('tagged', { n: 2 }, { tags: ['a', 'b'] }));
    expect(tagged).toEqual({ evalsha: 1, get: 6, set: 1 });
    const many = await count(() => ns.getMany(Array.from({ length: 100 }, (_, i) => `k${i}`)));
    expect(many).toEqual({ evalsha: 1, get: 102 });
    const setMany = await count(() =>
      ns.setMany([
        { key: 'a', value: { n: 1 } },
        { key: 'b', value: { n: 2 } },
      ]),
    );
    expect(setMany).toEqual({ evalsha: 1, get: 2, set: 2 });
    // Read, SET NX of the lease, write, release (compare-and-delete).
    const leased = await count(() => ns.getOrSet('leased', () => ({ n: 3 }), { lease: true }));
    expect(leased.evalsha).toBe(3);
    expect(leased.set).toBe(2);
    expect(leased.eval).toBeUndefined();
    const invalidate = await count(() => ns.invalidateTags(['a', 'b']));
    expect(invalidate).toEqual({ incrby: 2 }); // one pipelined round trip
    await store.close();
  });

  it('with L1: a warm hit costs no command; a getMany of 100 L1-held keys none either', async () => {
    const store = withL1(ioredisAdapter({ url: server.url }));
    await store.l1.ready;
    const ns = await namespaceOn(store);
    const keys = Array.from({ length: 100 }, (_, i) => `k${i}`);
    await ns.setMany(keys.map((key, i) => ({ key, value: { n: i } })));
    // One round trip: an MGET of the 100 entries and, in the same pipeline, their PTTLs (withL1's
    // storeTtl 'read'); the generations are already L1 hits.
    const cold = await count(() => ns.getMany(keys));
    expect(cold.mget).toBe(1);
    expect(cold.pttl).toBe(100);
    const hit = await count(() => ns.get('k1'));
    expect(total(hit)).toBe(0);
    const many = await count(() => ns.getMany(keys));
    expect(total(many)).toBe(0);
    const getOrSetHit = await count(() => ns.getOrSet('k2', () => ({ n: -1 })));
    expect(total(getOrSetHit)).toBe(0);
    await store.close();
  });
});

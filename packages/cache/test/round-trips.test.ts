import { type KvStore, withL1 } from '@raptorflow/core';
import { ioredisAdapter } from '@raptorflow/core/ioredis';
import { nodeRedisAdapter } from '@raptorflow/core/node-redis';
import { countCommands, type RedisServer, startRedis } from '@raptorflow/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCache, type NamespaceCache } from '../src/index.js';

/*
 * Commands per operation, counted by the server (INFO commandstats) on a redis-server of this
 * file's own, so no other test's commands are counted. Commands a script runs inside Redis are
 * counted too: an `evalsha` with `get` beside it is one round trip, the GETs run inside it.
 */

let server: RedisServer;
beforeAll(async () => {
  server = await startRedis();
});
afterAll(async () => {
  await server?.stop();
});

const count = (run: () => Promise<unknown>): Promise<Record<string, number>> => countCommands(server, run);

function total(stats: Record<string, number>): number {
  return Object.values(stats).reduce((a, b) => a + b, 0);
}

async function namespaceOn(
  store: KvStore,
  name = 'profiles',
  tags: string[] = [],
): Promise<NamespaceCache<{ n: number }>> {
  const cache = createCache({ store, prefix: `rt${Math.random().toString(36).slice(2, 8)}:` });
  const ns = cache.workspace('acme').namespace<{ n: number }>(name);
  // Warm up: scripts loaded, counters created, so the counts below are the steady state.
  await ns.getOrSet('warm', () => ({ n: 0 }), { tags, lease: true });
  await ns.get('warm');
  await ns.getMany(['warm', 'x']);
  if (tags.length > 0) await ns.set('warm', { n: 0 }, { tags }); // loads the write script
  await ns.delete('warm');
  return ns;
}

describe('round trips on Redis (commandstats)', () => {
  it('without L1, untagged: a hit, a miss and a getMany of 100 keys are one MGET', async () => {
    const store = ioredisAdapter({ url: server.url });
    const ns = await namespaceOn(store);
    const keys = Array.from({ length: 100 }, (_, i) => `k${i}`);
    // One pipeline of SETs.
    expect(await count(() => ns.setMany(keys.map((key, i) => ({ key, value: { n: i } }))))).toEqual({
      set: 100,
    });
    expect(await count(() => ns.get('k1'))).toEqual({ mget: 1 });
    expect(await count(() => ns.get('nope'))).toEqual({ mget: 1 });
    expect(await count(() => ns.getMany(keys))).toEqual({ mget: 1 });
    expect(await count(() => ns.set('s', { n: 1 }))).toEqual({ set: 1 });
    expect(await count(() => ns.getOrSet('fresh', () => ({ n: 1 })))).toEqual({ mget: 1, set: 1 });
    // Read, SET NX of the lease, write, release (a compare-and-delete script: GET + DEL inside).
    const leased = await count(() => ns.getOrSet('leased', () => ({ n: 3 })));
    expect(leased).toEqual({ mget: 1, set: 1 });
    const withLease = await count(() => ns.getOrSet('leased-2', () => ({ n: 3 }), { lease: true }));
    expect(withLease).toEqual({ mget: 1, set: 2, evalsha: 1, get: 1, del: 1 });
    // Delete checks the generations in the script (GETs), so a concurrent clear cannot hide it.
    expect(await count(() => ns.delete('k1'))).toEqual({ evalsha: 1, get: 2, del: 1 });
    expect(await count(() => ns.invalidateTags(['a', 'b']))).toEqual({ incrby: 2 }); // one pipeline
    await store.close();
  });

  it('without L1, tagged: the entry and its tag versions are read by one script', async () => {
    const store = ioredisAdapter({ url: server.url });
    const ns = await namespaceOn(store, 'campaigns', ['t']);
    const keys = Array.from({ length: 100 }, (_, i) => `k${i}`);
    await ns.setMany(keys.map((key, i) => ({ key, value: { n: i } })));
    // Inside the script: GET of the two generations and the entry.
    expect(await count(() => ns.get('k1'))).toEqual({ evalsha: 1, get: 3 });
    // Read with the versions of tag t (2 more GETs) before the factory, then a plain SET.
    expect(await count(() => ns.getOrSet('fresh', () => ({ n: 1 }), { tags: ['t'] }))).toEqual({
      evalsha: 1,
      get: 5,
      set: 1,
    });
    // A tagged hit reads its tag's versions in the same script.
    expect(await count(() => ns.get('fresh'))).toEqual({ evalsha: 1, get: 5 });
    // A tagged set reads the versions inside the write script (2 gens + 2 per tag).
    expect(await count(() => ns.set('tagged', { n: 2 }, { tags: ['a', 'b'] }))).toEqual({
      evalsha: 1,
      get: 6,
      set: 1,
    });
    expect(await count(() => ns.getMany(keys))).toEqual({ evalsha: 1, get: 102 });
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

describe('concurrent gets without L1 are combined (commandstats)', () => {
  const adapters = {
    ioredis: () => ioredisAdapter({ url: server.url }),
    'node-redis': () => nodeRedisAdapter({ url: server.url }),
  };
  for (const [name, create] of Object.entries(adapters)) {
    it(`${name}: 40 gets of one tick are 3 MGETs (at most 16 each), each with its own result`, async () => {
      const store = create();
      const ns = await namespaceOn(store);
      await ns.setMany(Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: { n: i } })));
      let values: Array<{ n: number } | undefined> = [];
      const stats = await count(async () => {
        // 30 present, 10 missing, one repeated key.
        const keys = Array.from({ length: 40 }, (_, i) => (i === 39 ? 'k0' : `k${i}`));
        values = await Promise.all(keys.map((k) => ns.get(k)));
      });
      expect(stats).toEqual({ mget: 3 });
      expect(values).toEqual(
        Array.from({ length: 40 }, (_, i) => (i === 39 ? { n: 0 } : i < 30 ? { n: i } : undefined)),
      );
      await store.close();
    });

    it(`${name}: a held-back get is sent before the same caller's later write, clear and delete`, async () => {
      const store = create();
      const ns = await namespaceOn(store);
      const ws = ns.workspace;
      await ns.set('k', { n: 1 });
      // Not awaited: the get waits to be combined, the set is sent at once, and must not overtake it.
      const read = ns.get('k');
      const write = ns.set('k', { n: 2 });
      expect(await read).toEqual({ n: 1 });
      await write;
      const again = ns.get('k');
      const deleted = ns.delete('k');
      expect(await again).toEqual({ n: 2 });
      expect(await deleted).toBe(true);
      await ns.set('k', { n: 3 });
      const before = ns.get('k');
      const cleared = ns.clear();
      expect(await before).toEqual({ n: 3 });
      await cleared;
      expect(await ns.get('k')).toBeUndefined();
      expect(ws).toBe('acme');
      await store.close();
    });
  }

  it('a failed combined read rejects each call on its own (fail-closed), and the next reads recover', async () => {
    const store = ioredisAdapter({ url: server.url });
    const cache = createCache({ store, prefix: 'rtfail:', onStoreError: 'fail-closed' });
    const ns = cache.workspace('acme').namespace<{ n: number }>('profiles');
    await ns.set('a', { n: 1 });
    await ns.set('b', { n: 2 });
    // Two gets held back together, then the connection's store closes before they are sent.
    const reads = [ns.get('a'), ns.get('b')];
    const closing = store.close();
    const settled = await Promise.allSettled(reads);
    await closing;
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
    const store2 = ioredisAdapter({ url: server.url });
    const ns2 = createCache({ store: store2, prefix: 'rtfail:' })
      .workspace('acme')
      .namespace<{ n: number }>('profiles');
    expect(await Promise.all([ns2.get('a'), ns2.get('b')])).toEqual([{ n: 1 }, { n: 2 }]);
    await store2.close();
  });
});

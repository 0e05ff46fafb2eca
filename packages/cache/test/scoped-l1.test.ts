import { findLayer, type KvStore, withL1 } from '@raptorflow/core';
import { ioredisAdapter } from '@raptorflow/core/ioredis';
import { createRateLimiter } from '@raptorflow/ratelimit';
import { countCommands, type RedisServer, startRedis } from '@raptorflow/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CacheStatus, createCache } from '../src/index.js';

/*
 * One app store shared by a cache and a rate limiter, as an app wires it: withL1 scoped to the
 * cache's keys (`cache:`, the cache's default prefix). The limiter's scripts (`rf:rl:…` keys)
 * must never reach L1's invalidation bus, while cache reads stay L1 hits. Counted by the
 * server (INFO commandstats) on a redis-server of this file's own. Lives in the cache package
 * (ratelimit is a devDependency here) so core never depends on a feature package.
 */

let server: RedisServer;
beforeAll(async () => {
  server = await startRedis();
});
afterAll(async () => {
  await server?.stop();
});

const count = (run: () => Promise<unknown>): Promise<Record<string, number>> => countCommands(server, run);

/** A cache and a limiter on `store`; 1,000 limit() calls and 100 cache reads, counted. */
async function drive(store: KvStore) {
  const l1 = findLayer(store, 'l1');
  if (!l1) throw new Error('no L1');
  await l1.ready;
  const cache = createCache({ store });
  const ns = cache.workspace('acme').namespace<{ n: number }>('profiles');
  // Combining off: one script call per limit(), so the counts below are exact.
  const limiter = createRateLimiter({ store, limit: 1_000_000, window: '1m', combine: false });
  await ns.set('k', { n: 1 }, { tags: ['t'] });
  for (let i = 0; i < 3; i++) await ns.get('k'); // fills L1: entry, generations, tag versions
  await limiter.limit('warm-up'); // loads the script
  await l1.flush();

  const limits = await count(async () => {
    for (let i = 0; i < 1000; i += 50) {
      const batch = Array.from({ length: 50 }, (_, j) => limiter.limit(`user-${(i + j) % 20}`));
      for (const r of await Promise.all(batch)) expect(r.allowed).toBe(true);
    }
    await l1.flush(); // whatever L1 queued is on the wire before the second snapshot
  });

  const hitsBefore = l1.stats.hits;
  const results = new Set<string | undefined>();
  const reads = await count(async () => {
    for (let i = 0; i < 100; i++) {
      const status: CacheStatus = {};
      expect(await ns.get('k', { status })).toEqual({ n: 1 });
      results.add(status.result);
    }
  });
  const hits = l1.stats.hits - hitsBefore;
  await cache.close();
  await store.close();
  return { limits, reads, hits, results: [...results] };
}

describe('withL1 scoped to the cache, shared with a rate limiter (commandstats)', () => {
  it('1,000 limit() calls publish nothing; cache reads stay L1 hits with zero commands', async () => {
    const { limits, reads, hits, results } = await drive(
      withL1(ioredisAdapter({ url: server.url }), { only: ['cache:'] }),
    );
    expect(limits.evalsha).toBe(1000);
    expect(limits.publish).toBeUndefined();
    expect(results).toEqual(['l1-hit']);
    expect(reads).toEqual({});
    // Per read: the entry, 2 keys for tag t (the generations, unchanged in L1, are not looked up).
    expect(hits).toBe(300);
  });

  it('unscoped (the old wiring), the same calls publish invalidations for the limiter keys', async () => {
    const { limits, results } = await drive(withL1(ioredisAdapter({ url: server.url })));
    expect(limits.evalsha).toBe(1000);
    // One message per tick of completed writes (how many ticks depends on I/O timing).
    expect(limits.publish).toBeGreaterThan(0);
    expect(results).toEqual(['l1-hit']);
  });
});

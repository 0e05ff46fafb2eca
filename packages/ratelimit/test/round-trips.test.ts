import type { KvStore } from '@raptorflow/core';
import { ioredisAdapter } from '@raptorflow/core/ioredis';
import { commandStats, diffCommandStats, type RedisServer, startRedis } from '@raptorflow/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRateLimiter } from '../src/index.js';
import type { AlgorithmName } from '../src/scripts/index.js';

/*
 * Round trips counted on a redis-server of this file's own (so no other test's commands mix
 * in): one EVALSHA per limit() in steady state, however many limits it checks; zero for a
 * caller the in-process block cache knows is blocked.
 */

const ALGORITHMS: AlgorithmName[] = ['gcra', 'fixed-window', 'sliding-window', 'sliding-log', 'token-bucket'];
let server: RedisServer;
let store: KvStore;
beforeAll(async () => {
  server = await startRedis();
  store = ioredisAdapter({ host: server.host, port: server.port });
});
afterAll(async () => {
  await store.close();
  await server.stop();
});

const topLevel = (diff: Map<string, number>) =>
  Object.fromEntries(
    [...diff].filter(([name]) => ['evalsha', 'eval', 'script|load', 'script'].includes(name)),
  );

describe('commands per check on Redis', () => {
  for (const algorithm of ALGORITHMS) {
    it(`${algorithm}: one EVALSHA per limit(), two limits included`, async () => {
      const rl = createRateLimiter({
        store,
        algorithm,
        limits: [
          { name: 's', limit: 5, window: '1s' },
          { name: 'd', limit: 1000, window: '1d' },
        ],
        blockCache: false,
      });
      await rl.limit('warm'); // the first call may load the script
      const before = await commandStats(server.host, server.port);
      for (let i = 0; i < 10; i++) await rl.limit(`id-${i % 3}`);
      const diff = diffCommandStats(before, await commandStats(server.host, server.port));
      expect(topLevel(diff)).toEqual({ evalsha: 10 });
    });
  }

  it('a cached block costs no round trip', async () => {
    const rl = createRateLimiter({ store, limit: 1, window: '1m' });
    await rl.limit('blocked');
    await rl.limit('blocked'); // rejected: cached until its retry-after
    const before = await commandStats(server.host, server.port);
    const r = await rl.limit('blocked');
    const diff = diffCommandStats(before, await commandStats(server.host, server.port));
    expect(r.reason).toBe('cache-block');
    expect(diff.size).toBe(0);
  });

  for (const algorithm of ALGORITHMS) {
    it(`${algorithm}: repairing corrupt state is still one EVALSHA; inside it, one DEL more`, async () => {
      const rl = createRateLimiter({ store, algorithm, limit: 5, window: '1m', blockCache: false });
      await rl.limit('warm');
      const [key] = rl.keys('corrupt') as [string];
      const inside = async (plant: boolean) => {
        await store.del(key);
        if (plant) await store.hset(key, { not: 'a counter' });
        const before = await commandStats(server.host, server.port);
        await rl.limit('corrupt');
        return diffCommandStats(before, await commandStats(server.host, server.port));
      };
      const clean = await inside(false);
      const repaired = await inside(true);
      expect(topLevel(repaired)).toEqual({ evalsha: 1 });
      // The same commands, plus the DEL of the unreadable key (the commit's own DEL aside).
      expect(repaired.get('del') ?? 0).toBe((clean.get('del') ?? 0) + 1);
      const others = (d: Map<string, number>) => [...d].filter(([name]) => name !== 'del');
      expect(others(repaired)).toEqual(others(clean));
    });
  }

  it('peek and reset are one command each', async () => {
    const rl = createRateLimiter({ store, limit: 1, window: '1m', block: { after: 3, duration: '1m' } });
    await rl.peek('x');
    let before = await commandStats(server.host, server.port);
    await rl.peek('x');
    expect(topLevel(diffCommandStats(before, await commandStats(server.host, server.port)))).toEqual({
      evalsha: 1,
    });
    before = await commandStats(server.host, server.port);
    await rl.reset('x');
    expect([...diffCommandStats(before, await commandStats(server.host, server.port))]).toEqual([['del', 1]]);
  });
});

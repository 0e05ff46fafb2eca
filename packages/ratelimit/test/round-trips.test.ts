import type { KvStore } from '@raptorflow/core';
import { ioredisAdapter } from '@raptorflow/core/ioredis';
import { countClientCommands, countCommands, type RedisServer, startRedis } from '@raptorflow/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRateLimiter, type RateLimitResult } from '../src/index.js';
import type { AlgorithmName } from '../src/scripts/index.js';

/*
 * Round trips counted on a redis-server of this file's own (so no other test's commands mix
 * in): one EVALSHA per limit() in steady state, however many limits it checks; zero for a
 * caller the in-process block cache knows is blocked. `countClientCommands` counts what the
 * client sent; `countCommands` (commandstats) also what the scripts ran inside themselves.
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
      const sent = await countClientCommands(server, async () => {
        for (let i = 0; i < 10; i++) await rl.limit(`id-${i % 3}`);
      });
      expect(sent).toEqual({ evalsha: 10 });
    });
  }

  it('a cached block costs no round trip', async () => {
    const rl = createRateLimiter({ store, limit: 1, window: '1m' });
    await rl.limit('blocked');
    await rl.limit('blocked'); // rejected: cached until its retry-after
    let r: RateLimitResult | undefined;
    expect(await countCommands(server, async () => (r = await rl.limit('blocked')))).toEqual({});
    expect(r?.reason).toBe('cache-block');
  });

  for (const algorithm of ALGORITHMS) {
    it(`${algorithm}: repairing corrupt state is still one EVALSHA; inside it, one DEL more`, async () => {
      const rl = createRateLimiter({ store, algorithm, limit: 5, window: '1m', blockCache: false });
      await rl.limit('warm');
      const [key] = rl.keys('corrupt') as [string];
      const inside = async (plant: boolean, count: typeof countCommands) => {
        await store.del(key);
        if (plant) await store.hset(key, { not: 'a counter' });
        return count(server, () => rl.limit('corrupt'));
      };
      const clean = { all: await inside(false, countCommands) };
      const repaired = {
        sent: await inside(true, countClientCommands),
        all: await inside(true, countCommands),
      };
      expect(repaired.sent).toEqual({ evalsha: 1 });
      // The same commands, plus the DEL of the unreadable key (the commit's own DEL aside).
      const { del: cleanDel = 0, ...cleanOthers } = clean.all;
      const { del: repairedDel = 0, ...repairedOthers } = repaired.all;
      expect(repairedDel).toBe(cleanDel + 1);
      expect(repairedOthers).toEqual(cleanOthers);
    });
  }

  it('peek and reset are one command each', async () => {
    const rl = createRateLimiter({ store, limit: 1, window: '1m', block: { after: 3, duration: '1m' } });
    await rl.peek('x');
    expect(await countClientCommands(server, () => rl.peek('x'))).toEqual({ evalsha: 1 });
    expect(await countCommands(server, () => rl.reset('x'))).toEqual({ del: 1 });
  });
});

import { Ratelimit } from '@upstash/ratelimit';
import { Redis } from '@upstash/redis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { commandStats, diffCommandStats, type RedisServer, respCommand, startRedis } from '../src/index.js';
import { startUpstashServer, type UpstashServer } from '../src/upstash/index.js';

// A Redis of its own: the test counts EVAL and EVALSHA calls, which other files run too.
let direct: RedisServer;
let upstash: UpstashServer;
const run = `rl:${Math.random().toString(36).slice(2, 8)}`;

// @upstash/ratelimit 2.x prefixes its Lua scripts with `#!lua flags=allow-key-locking`, an
// Upstash-only flag that redis-server rejects, and runs them by EVALSHA of the original body.
describe('real @upstash/ratelimit 2.x against the local server', () => {
  let redis: Redis;
  // The limiters bucket time with Date.now(): freeze it mid-window so no window boundary falls inside a test.
  beforeAll(async () => {
    direct = await startRedis();
    upstash = await startUpstashServer({ redisUrl: direct.url });
    redis = new Redis({ url: upstash.url, token: upstash.token });
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Math.floor(Date.now() / 10_000) * 10_000 + 5_000);
  });
  afterAll(async () => {
    vi.useRealTimers();
    await upstash?.stop();
    await direct?.stop();
  });
  const algorithms = {
    fixedWindow: Ratelimit.fixedWindow(3, '10 s'),
    slidingWindow: Ratelimit.slidingWindow(3, '10 s'),
    tokenBucket: Ratelimit.tokenBucket(3, '10 s', 3),
  };

  it.each(Object.entries(algorithms))(
    '%s admits exactly the limit, by the flagged scripts',
    async (name, limiter) => {
      const ratelimit = new Ratelimit({ redis, limiter, prefix: `${run}:${name}`, analytics: false });
      const results = [];
      const before = await commandStats(direct.host, direct.port);
      for (let i = 0; i < 4; i++) results.push((await ratelimit.limit('user')).success);
      const delta = diffCommandStats(before, await commandStats(direct.host, direct.port));
      expect(results).toEqual([true, true, true, false]);
      // 4 EVALSHA (the first answers NOSCRIPT) and one EVAL fallback: the later EVALSHA of the
      // flagged body's SHA ran because the server maps it to the stripped body's SHA.
      expect(delta.get('eval')).toBe(1);
      expect(delta.get('evalsha')).toBe(4);
      const keys = await respCommand(direct.host, direct.port, ['KEYS', `${run}:${name}*`]);
      expect((keys as string[]).length).toBeGreaterThan(0);
      await respCommand(direct.host, direct.port, ['DEL', ...(keys as string[])]);
    },
  );
});

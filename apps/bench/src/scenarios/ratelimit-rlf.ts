import { defineScenario, type Scenario } from '../types.js';
import { IDENTIFIERS, NEVER_REACHED, WINDOW_MS } from './ratelimit-shared.js';
import { rawNodeRedis } from './raw-node-redis.js';

/**
 * rate-limiter-flexible 11, the anchor: `RateLimiterMemory.consume` on memory,
 * `RateLimiterRedis.consume` on Redis with a default client of the row's own library: ioredis
 * (no auto-pipelining) on `ioredis`, node-redis 5 (`useRedisPackage`) on `node-redis`, so each of
 * our rows is compared on the same client. Same identifiers, same never-reached limit, same
 * 60 s window as ours.
 */
const scenario: Scenario = defineScenario({
  name: 'ratelimit-rlf',
  description:
    'rate-limiter-flexible 11 consume(id): RateLimiterMemory / RateLimiterRedis (own ioredis or node-redis client)',
  adapters: ['memory', 'ioredis', 'node-redis'],
  async setup(ctx) {
    const rlf = await import('rate-limiter-flexible');
    const opts = {
      points: NEVER_REACHED,
      duration: WINDOW_MS / 1000,
      keyPrefix: `${ctx.fixtures.prefix}rlf`,
    };
    const n = IDENTIFIERS.length;
    if (!ctx.redis) {
      const limiter = new rlf.RateLimiterMemory(opts);
      return { op: (i) => limiter.consume(IDENTIFIERS[i % n] as string), teardown: async () => undefined };
    }
    const keys = (from: number) => IDENTIFIERS.slice(from, from + 500).map((id) => `${opts.keyPrefix}:${id}`);
    if (ctx.adapter === 'node-redis') {
      const client = await rawNodeRedis(ctx);
      const limiter = new rlf.RateLimiterRedis({ ...opts, storeClient: client, useRedisPackage: true });
      return {
        op: (i) => limiter.consume(IDENTIFIERS[i % n] as string),
        async teardown() {
          for (let i = 0; i < n; i += 500) await client.del(keys(i));
          await client.close();
        },
      };
    }
    const { Redis } = await import('ioredis');
    const client = new Redis(ctx.redis.url);
    const limiter = new rlf.RateLimiterRedis({ ...opts, storeClient: client });
    return {
      op: (i) => limiter.consume(IDENTIFIERS[i % n] as string),
      async teardown() {
        for (let i = 0; i < n; i += 500) await client.del(...keys(i));
        client.disconnect();
      },
    };
  },
});

export default scenario;

import { defineScenario, type Scenario } from '../types.js';
import { IDENTIFIERS, NEVER_REACHED, WINDOW_MS } from './ratelimit-shared.js';

/**
 * rate-limiter-flexible 11, the anchor: `RateLimiterMemory.consume` on memory,
 * `RateLimiterRedis.consume` with its own default ioredis client (no auto-pipelining) on Redis.
 * Same identifiers, same never-reached limit, same 60 s window as ours.
 */
const scenario: Scenario = defineScenario({
  name: 'ratelimit-rlf',
  description:
    'rate-limiter-flexible 11 consume(id): RateLimiterMemory / RateLimiterRedis (own ioredis client)',
  adapters: ['memory', 'ioredis'],
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
    const { Redis } = await import('ioredis');
    const client = new Redis(ctx.redis.url);
    const limiter = new rlf.RateLimiterRedis({ ...opts, storeClient: client });
    return {
      op: (i) => limiter.consume(IDENTIFIERS[i % n] as string),
      async teardown() {
        for (let i = 0; i < n; i += 500)
          await client.del(...IDENTIFIERS.slice(i, i + 500).map((id) => `${opts.keyPrefix}:${id}`));
        client.disconnect();
      },
    };
  },
});

export default scenario;

import { defineScenario, type Scenario } from '../types.js';
import { IDENTIFIERS, NEVER_REACHED } from './ratelimit-shared.js';
import { startLocalUpstash } from './ratelimit-upstash-server.js';

/**
 * @upstash/ratelimit 2 (`slidingWindow`, ephemeral cache and analytics off) with @upstash/redis,
 * through testkit's local Upstash REST server in front of the bench's redis-server. Compare with
 * `ratelimit-upstash-ours`: the same server, our sliding window on `upstashAdapter`.
 */
const scenario: Scenario = defineScenario({
  name: 'ratelimit-upstash-peer',
  description: '@upstash/ratelimit slidingWindow limit(id) via the local Upstash REST server',
  adapters: ['ioredis'],
  baseline: 'ratelimit-upstash-ours',
  async setup(ctx) {
    if (!ctx.redis) throw new Error('ratelimit-upstash-peer needs the bench Redis');
    const server = await startLocalUpstash(ctx.redis.url);
    const [{ Ratelimit }, { Redis }] = await Promise.all([
      import('@upstash/ratelimit'),
      import('@upstash/redis'),
    ]);
    const redis = new Redis({ url: server.url, token: server.token, enableAutoPipelining: false });
    const limiter = new Ratelimit({
      redis,
      limiter: Ratelimit.slidingWindow(NEVER_REACHED, '60 s'),
      prefix: `${ctx.fixtures.prefix}upstash`,
      ephemeralCache: false,
      analytics: false,
    });
    const n = IDENTIFIERS.length;
    return {
      op: (i) => limiter.limit(IDENTIFIERS[i % n] as string),
      async teardown() {
        await server.stop();
      },
    };
  },
});

export default scenario;

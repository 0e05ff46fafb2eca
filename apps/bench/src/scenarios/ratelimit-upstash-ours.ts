import { defineScenario, type Scenario } from '../types.js';
import { IDENTIFIERS, NEVER_REACHED, WINDOW_MS } from './ratelimit-shared.js';
import { startLocalUpstash } from './ratelimit-upstash-server.js';

/** Our sliding window on `upstashAdapter`, through the same local Upstash REST server as the peer. */
const scenario: Scenario = defineScenario({
  name: 'ratelimit-upstash-ours',
  description:
    '@raptorflow/ratelimit sliding-window limit(id) on upstashAdapter via the local Upstash REST server',
  adapters: ['ioredis'],
  async setup(ctx) {
    if (!ctx.redis) throw new Error('ratelimit-upstash-ours needs the bench Redis');
    const server = await startLocalUpstash(ctx.redis.url);
    const [{ createRateLimiter }, { upstashAdapter }] = await Promise.all([
      import('@raptorflow/ratelimit'),
      import('@raptorflow/core/upstash'),
    ]);
    const store = upstashAdapter({ url: server.url, token: server.token });
    const limiter = createRateLimiter({
      store,
      algorithm: 'sliding-window',
      limit: NEVER_REACHED,
      window: WINDOW_MS,
      prefix: `${ctx.fixtures.prefix}rl-up:`,
      blockCache: false,
    });
    const n = IDENTIFIERS.length;
    return {
      op: (i) => limiter.limit(IDENTIFIERS[i % n] as string),
      async teardown() {
        await store.close();
        await server.stop();
      },
    };
  },
});

export default scenario;

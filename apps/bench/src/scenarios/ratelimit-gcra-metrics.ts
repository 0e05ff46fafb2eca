import { defineScenario, type Scenario } from '../types.js';
import { IDENTIFIERS, NEVER_REACHED, WINDOW_MS } from './ratelimit-shared.js';

/**
 * `ratelimit-gcra` with `@raptorflow/metrics` attached: every `limit` emits a feature event that
 * metrics counts (outcome, reason, duration histogram, rolling window). Baseline: `ratelimit-gcra`.
 */
const scenario: Scenario = defineScenario({
  name: 'ratelimit-gcra-metrics',
  description: 'ratelimit-gcra with createMetrics({ store }) counting every limit() event',
  adapters: ['memory', 'ioredis'],
  baseline: 'ratelimit-gcra',
  async setup(ctx) {
    const { createRateLimiter } = await import('@raptorflow/ratelimit');
    const { createMetrics } = await import('@raptorflow/metrics');
    const store = await ctx.store();
    const metrics = createMetrics({ store });
    const limiter = createRateLimiter({
      store,
      algorithm: 'gcra',
      limit: NEVER_REACHED,
      window: WINDOW_MS,
      prefix: `${ctx.fixtures.prefix}rl:`,
      blockCache: false,
    });
    const n = IDENTIFIERS.length;
    return {
      op: (i) => limiter.limit(IDENTIFIERS[i % n] as string),
      async teardown() {
        const counted = metrics.snapshot().stores.default?.features.ratelimit?.limit?.total ?? 0;
        metrics.close();
        if (counted === 0) throw new Error('ratelimit-gcra-metrics: metrics counted no limit() call');
        for (let i = 0; i < n; i += 500) {
          await store.del(IDENTIFIERS.slice(i, i + 500).flatMap((id) => limiter.keys(id)));
        }
      },
    };
  },
});

export default scenario;

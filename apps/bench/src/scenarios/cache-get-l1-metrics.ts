import { defineScenario, type Scenario } from '../types.js';
import { raptorflowCache } from './cache-libs.js';

/**
 * `cache-get-l1-raptorflow` with `@raptorflow/metrics` attached: every get emits a feature event
 * (outcome `l1-hit`, namespace) that metrics counts. Baseline: `cache-get-l1-raptorflow`.
 */
const scenario: Scenario = defineScenario({
  name: 'cache-get-l1-metrics',
  description: 'cache-get-l1-raptorflow with createMetrics({ store }) counting every get() event',
  adapters: ['ioredis'],
  baseline: 'cache-get-l1-raptorflow',
  async setup(ctx) {
    if (!ctx.redis) throw new Error('cache-get-l1-metrics needs Redis');
    const { createMetrics } = await import('@raptorflow/metrics');
    return raptorflowCache(ctx, 'get-l1', `${ctx.fixtures.prefix}get-l1m:`, (store) => {
      const metrics = createMetrics({ store });
      return () => {
        const seen = metrics.snapshot().stores.default?.features.cache?.get?.total ?? 0;
        metrics.close();
        if (seen === 0) throw new Error('cache-get-l1-metrics: metrics counted no get() call');
      };
    });
  },
});

export default scenario;

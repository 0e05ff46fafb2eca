import { withL1 } from '@raptorflow/core';
import { defineScenario, type Scenario } from '../types.js';
import { deleteKeys, fillKeys } from './shared.js';

/**
 * `l1-hit` with `@raptorflow/metrics` attached to the store (createMetrics({ store })): the
 * overhead metrics adds to an L1 hit. Baseline: `l1-hit`, the same loop without metrics.
 */
const scenario: Scenario = defineScenario({
  name: 'l1-hit-metrics',
  description:
    'l1-hit with createMetrics({ store }) attached (L1 counters read on scrape, feature events counted)',
  adapters: ['memory', 'ioredis'],
  baseline: 'l1-hit',
  async setup(ctx) {
    const { createMetrics } = await import('@raptorflow/metrics');
    const base = await ctx.store();
    const { keys } = ctx.fixtures;
    await fillKeys(base, ctx.fixtures);
    const store = withL1(base, { max: keys.length, ttl: 600_000, channel: false });
    const metrics = createMetrics({ store });
    await store.mget(keys);
    if (store.l1.stats.size !== keys.length) throw new Error('l1-hit-metrics: setup did not cache every key');
    const n = keys.length;
    return {
      op: (i) => store.get(keys[i % n] as string),
      async teardown() {
        const l1 = metrics.snapshot().stores.default?.l1?.stats;
        metrics.close();
        if (l1 === undefined || l1.misses !== keys.length)
          throw new Error(`l1-hit-metrics: metrics saw ${l1?.misses} misses, expected ${keys.length}`);
        await deleteKeys(base, keys);
      },
    };
  },
});

export default scenario;

import { withL1 } from '@raptorflow/core';
import { defineScenario, type Scenario } from '../types.js';
import { deleteKeys, fillKeys } from './shared.js';

/**
 * `store.get` through `withL1` when every key is in L1: the hit path, zero round trips.
 * Setup reads every key once (untimed) so the timed loop only hits. Baseline: a raw lru-cache get.
 */
const scenario: Scenario = defineScenario({
  name: 'l1-hit',
  description: 'withL1(store).get(key): L1 hit on one of 10,000 cached 100-byte strings (0 round trips)',
  adapters: ['memory', 'ioredis'],
  baseline: 'l1-raw-lru',
  async setup(ctx) {
    const base = await ctx.store();
    const { keys } = ctx.fixtures;
    await fillKeys(base, ctx.fixtures);
    // TTL well past the run; pub/sub off: a single process, and no subscriber connection to load.
    const store = withL1(base, { max: keys.length, ttl: 600_000, channel: false });
    await store.mget(keys);
    if (store.l1.stats.size !== keys.length) throw new Error('l1-hit: setup did not cache every key');
    const n = keys.length;
    return {
      op: (i) => store.get(keys[i % n] as string),
      async teardown() {
        const { hits, misses } = store.l1.stats;
        if (misses !== keys.length)
          throw new Error(`l1-hit: ${misses - keys.length} timed misses (${hits} hits)`);
        await deleteKeys(base, keys);
      },
    };
  },
});

export default scenario;

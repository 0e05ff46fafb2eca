import { withL1 } from '@raptorflow/core';
import { defineScenario, type Scenario } from '../types.js';
import { deleteKeys, fillKeys } from './shared.js';

/**
 * `store.get` through `withL1` when the key is never in L1 (max 1 entry, round robin over
 * 10,000 keys): one EVALSHA of the `rf-l1-read` script (GET + PTTL), then an insert.
 * Baseline: the raw ioredis GET.
 */
const scenario: Scenario = defineScenario({
  name: 'l1-miss',
  description: 'withL1(store).get(key): L1 miss (GET + PTTL in one EVALSHA, then insert)',
  adapters: ['ioredis', 'node-redis'],
  baseline: 'raw-ioredis-get',
  async setup(ctx) {
    const base = await ctx.store();
    const { keys } = ctx.fixtures;
    await fillKeys(base, ctx.fixtures);
    const store = withL1(base, { max: 1, ttl: 600_000, channel: false });
    const n = keys.length;
    return {
      op: (i) => store.get(keys[i % n] as string),
      async teardown() {
        await deleteKeys(base, keys);
      },
    };
  },
});

export default scenario;

import { withL1 } from '@raptorflow/core';
import { defineScenario, type Scenario } from '../types.js';
import { deleteKeys, fillKeys } from './shared.js';

/**
 * Like `l1-miss` with `storeTtl: 'ignore'`: a miss sends GET alone. The difference between the
 * two is the price of reading the PTTL with every miss (the L1 TTL never outliving the store's).
 */
const scenario: Scenario = defineScenario({
  name: 'l1-miss-get-only',
  description: "withL1(store, { storeTtl: 'ignore' }).get(key): L1 miss sending GET alone",
  adapters: ['ioredis', 'node-redis'],
  baseline: 'raw-ioredis-get',
  async setup(ctx) {
    const base = await ctx.store();
    const { keys } = ctx.fixtures;
    await fillKeys(base, ctx.fixtures);
    const store = withL1(base, { max: 1, ttl: 600_000, channel: false, storeTtl: 'ignore' });
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

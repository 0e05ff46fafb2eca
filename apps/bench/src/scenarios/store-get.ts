import { defineScenario, type Scenario } from '../types.js';
import { deleteKeys, fillKeys } from './shared.js';

/** `store.get` of 10,000 existing 100-byte strings, round robin: every call is a hit. */
const scenario: Scenario = defineScenario({
  name: 'store-get',
  description: 'store.get(key): hit on one of 10,000 keys holding 100-byte strings',
  adapters: ['memory', 'ioredis', 'node-redis', 'upstash', 'upstash-8-lanes'],
  baseline: { ioredis: 'raw-ioredis-get', 'node-redis': 'raw-node-redis-get' },
  async setup(ctx) {
    const store = await ctx.store();
    const { keys } = ctx.fixtures;
    await fillKeys(store, ctx.fixtures);
    const n = keys.length;
    return {
      op: (i) => store.get(keys[i % n] as string),
      async teardown() {
        await deleteKeys(store, keys);
      },
    };
  },
});

export default scenario;

import { defineScenario, type Scenario } from '../types.js';
import { deleteKeys } from './shared.js';

/** `store.set` of a 100-byte string on one of 10,000 keys, round robin, no TTL. */
const scenario: Scenario = defineScenario({
  name: 'store-set',
  description: 'store.set(key, value): 100-byte string on one of 10,000 keys, no TTL',
  adapters: ['memory', 'ioredis', 'node-redis', 'upstash', 'upstash-8-lanes'],
  baseline: { ioredis: 'raw-ioredis-set', 'node-redis': 'raw-node-redis-set' },
  async setup(ctx) {
    const store = await ctx.store();
    const { keys, values } = ctx.fixtures;
    const n = keys.length;
    return {
      op: (i) => store.set(keys[i % n] as string, values[i % n] as string),
      async teardown() {
        await deleteKeys(store, keys);
      },
    };
  },
});

export default scenario;

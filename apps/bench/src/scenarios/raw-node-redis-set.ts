import { defineScenario, type Scenario } from '../types.js';
import { rawNodeRedis, rawNodeRedisTeardown } from './raw-node-redis.js';

/** node-redis `client.set` with no RaptorFlow code: the baseline of `store-set` on node-redis. */
const scenario: Scenario = defineScenario({
  name: 'raw-node-redis-set',
  description: 'node-redis 5 client.set(key, value), no RaptorFlow code: baseline of store-set',
  adapters: ['node-redis'],
  async setup(ctx) {
    const client = await rawNodeRedis(ctx);
    const { keys, values } = ctx.fixtures;
    const n = keys.length;
    return {
      op: (i) => client.set(keys[i % n] as string, values[i % n] as string),
      teardown: () => rawNodeRedisTeardown(client, ctx),
    };
  },
});

export default scenario;

import { defineScenario, type Scenario } from '../types.js';
import { rawNodeRedis, rawNodeRedisFill, rawNodeRedisTeardown } from './raw-node-redis.js';

/** node-redis `client.get` with no RaptorFlow code: the baseline of `store-get` on node-redis. */
const scenario: Scenario = defineScenario({
  name: 'raw-node-redis-get',
  description: 'node-redis 5 client.get(key), no RaptorFlow code: baseline of store-get',
  adapters: ['node-redis'],
  async setup(ctx) {
    const client = await rawNodeRedis(ctx);
    await rawNodeRedisFill(client, ctx);
    const { keys } = ctx.fixtures;
    const n = keys.length;
    return {
      op: (i) => client.get(keys[i % n] as string),
      teardown: () => rawNodeRedisTeardown(client, ctx),
    };
  },
});

export default scenario;

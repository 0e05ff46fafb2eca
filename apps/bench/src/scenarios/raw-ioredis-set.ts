import { defineScenario, type Scenario } from '../types.js';
import { rawClient, rawTeardown } from './raw-ioredis.js';

/** ioredis `client.set` with no RaptorFlow code: the baseline of `store-set` on ioredis. */
const scenario: Scenario = defineScenario({
  name: 'raw-ioredis-set',
  description: 'ioredis client.set(key, value), no RaptorFlow code: baseline of store-set',
  adapters: ['ioredis'],
  async setup(ctx) {
    const client = await rawClient(ctx);
    const { keys, values } = ctx.fixtures;
    const n = keys.length;
    return {
      op: (i) => client.set(keys[i % n] as string, values[i % n] as string),
      teardown: () => rawTeardown(client, ctx),
    };
  },
});

export default scenario;

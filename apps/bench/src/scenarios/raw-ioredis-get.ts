import { defineScenario, type Scenario } from '../types.js';
import { rawClient, rawFill, rawTeardown } from './raw-ioredis.js';

/** ioredis `client.get` with no RaptorFlow code: the baseline of `store-get` on ioredis. */
const scenario: Scenario = defineScenario({
  name: 'raw-ioredis-get',
  description: 'ioredis client.get(key), no RaptorFlow code: baseline of store-get',
  adapters: ['ioredis'],
  async setup(ctx) {
    const client = await rawClient(ctx);
    await rawFill(client, ctx);
    const { keys } = ctx.fixtures;
    const n = keys.length;
    return {
      op: (i) => client.get(keys[i % n] as string),
      teardown: () => rawTeardown(client, ctx),
    };
  },
});

export default scenario;

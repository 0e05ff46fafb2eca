import { defineScenario, type Scenario } from '../types.js';
import { FIXED_WINDOW_LUA, WINDOW_MS } from './fixed-window-lua.js';
import { rawClient, rawTeardown } from './raw-ioredis.js';

/**
 * The fixed-window script through ioredis `defineCommand` (EVALSHA, EVAL on NOSCRIPT), no
 * RaptorFlow code: the baseline of `store-script` on ioredis.
 */
const scenario: Scenario = defineScenario({
  name: 'raw-ioredis-script',
  description:
    'ioredis defineCommand (EVALSHA) of the fixed-window script, no RaptorFlow code: baseline of store-script',
  adapters: ['ioredis'],
  async setup(ctx) {
    const client = await rawClient(ctx);
    client.defineCommand('benchFixedWindow', { numberOfKeys: 1, lua: FIXED_WINDOW_LUA });
    const run = (client as unknown as Record<string, (key: string, ttl: number) => Promise<number>>)
      .benchFixedWindow as (key: string, ttl: number) => Promise<number>;
    const { keys } = ctx.fixtures;
    const n = keys.length;
    return {
      op: (i) => run.call(client, keys[i % n] as string, WINDOW_MS),
      teardown: () => rawTeardown(client, ctx),
    };
  },
});

export default scenario;

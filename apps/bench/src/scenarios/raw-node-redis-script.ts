import { defineScenario, type Scenario } from '../types.js';
import { FIXED_WINDOW_LUA, WINDOW_MS } from './fixed-window-lua.js';
import { rawNodeRedis, rawNodeRedisTeardown } from './raw-node-redis.js';

type FixedWindow = (key: string, ttl: number) => Promise<number>;

/**
 * The fixed-window script through node-redis `defineScript` (EVALSHA, EVAL on NOSCRIPT), no
 * RaptorFlow code: the baseline of `store-script` on node-redis.
 */
const scenario: Scenario = defineScenario({
  name: 'raw-node-redis-script',
  description:
    'node-redis 5 defineScript (EVALSHA) of the fixed-window script, no RaptorFlow code: baseline of store-script',
  adapters: ['node-redis'],
  async setup(ctx) {
    const { defineScript } = await import('redis');
    const scripts = {
      benchFixedWindow: defineScript({
        SCRIPT: FIXED_WINDOW_LUA,
        NUMBER_OF_KEYS: 1,
        parseCommand(parser, key: string, ttl: number) {
          parser.pushKey(key);
          parser.push(String(ttl));
        },
        transformReply: (reply: unknown) => reply as number,
      }),
    };
    const client = await rawNodeRedis(ctx, scripts);
    // A script command reads its client from `this`.
    const run = (client as unknown as { benchFixedWindow: FixedWindow }).benchFixedWindow.bind(client);
    const { keys } = ctx.fixtures;
    const n = keys.length;
    // Open every window first, as store-script does: the timed calls are EVALSHA + INCR only.
    for (let start = 0; start < n; start += 500) {
      const calls: Promise<number>[] = [];
      for (let i = start; i < Math.min(n, start + 500); i++) calls.push(run(keys[i] as string, WINDOW_MS));
      await Promise.all(calls);
    }
    return {
      op: (i) => run(keys[i % n] as string, WINDOW_MS),
      teardown: () => rawNodeRedisTeardown(client, ctx),
    };
  },
});

export default scenario;

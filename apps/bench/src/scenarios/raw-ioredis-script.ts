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
    // Open every window first, as store-script does: the timed calls are EVALSHA + INCR only.
    for (let start = 0; start < n; start += 500) {
      const pipeline = client.pipeline() as unknown as Record<
        string,
        (key: string, ttl: number) => unknown
      > & {
        exec(): Promise<unknown>;
      };
      for (let i = start; i < Math.min(n, start + 500); i++)
        pipeline.benchFixedWindow?.(keys[i] as string, WINDOW_MS);
      await pipeline.exec();
    }
    return {
      op: (i) => run.call(client, keys[i % n] as string, WINDOW_MS),
      teardown: () => rawTeardown(client, ctx),
    };
  },
});

export default scenario;

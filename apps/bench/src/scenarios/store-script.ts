import { defineScript, type Script } from '@raptorflow/core';
import { defineScenario, type Scenario } from '../types.js';
import { FIXED_WINDOW_LUA, WINDOW_MS } from './fixed-window-lua.js';
import { CHUNK, deleteKeys } from './shared.js';

/** The fixed-window counter as a store script: Lua on Redis, the twin on memory. */
export const FIXED_WINDOW: Script<number> = defineScript<number>({
  name: 'bench-fixed-window',
  keys: 1,
  lua: FIXED_WINDOW_LUA,
  twin(ctx, keys, args) {
    const key = keys[0] as string;
    const c = ctx.call('INCR', key) as number;
    if (c === 1) ctx.call('PEXPIRE', key, args[0] as string);
    return c;
  },
  parse: (reply) => reply as number,
});

/**
 * `store.eval` of the fixed-window script on one of 10,000 counters, round robin. Setup opens
 * every window first, so each timed call is the steady state: EVALSHA + INCR, no PEXPIRE.
 */
const scenario: Scenario = defineScenario({
  name: 'store-script',
  description: 'store.eval(fixed-window INCR+PEXPIRE script) on one of 10,000 open windows',
  adapters: ['memory', 'ioredis', 'node-redis', 'upstash', 'upstash-8-lanes'],
  baseline: { ioredis: 'raw-ioredis-script', 'node-redis': 'raw-node-redis-script' },
  async setup(ctx) {
    const store = await ctx.store();
    const { keys } = ctx.fixtures;
    const n = keys.length;
    const args = [WINDOW_MS] as const;
    for (let start = 0; start < n; start += CHUNK) {
      const batch = store.batch();
      for (let i = start; i < Math.min(n, start + CHUNK); i++)
        batch.eval(FIXED_WINDOW, [keys[i] as string], args);
      await batch.exec();
    }
    return {
      op: (i) => store.eval(FIXED_WINDOW, [keys[i % n] as string], args),
      async teardown() {
        await deleteKeys(store, keys);
      },
    };
  },
});

export default scenario;

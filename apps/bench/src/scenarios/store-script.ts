import { defineScript } from '@raptorflow/core';
import { defineScenario, type Scenario } from '../types.js';
import { deleteKeys } from './shared.js';

/** Window length passed to the script, ms: long enough that no window ends during a run. */
const WINDOW_MS = 60_000;

/**
 * A fixed-window counter, the script redis-benchmark measured in research/perf-anchors.md:
 * INCR, and PEXPIRE when the window opens. Resolves to the count in the window.
 */
export const FIXED_WINDOW = defineScript<number>({
  name: 'bench-fixed-window',
  keys: 1,
  lua: `local c = redis.call('INCR', KEYS[1])
if c == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return c`,
  twin(ctx, keys, args) {
    const key = keys[0] as string;
    const c = ctx.call('INCR', key) as number;
    if (c === 1) ctx.call('PEXPIRE', key, args[0] as string);
    return c;
  },
  parse: (reply) => reply as number,
});

/** `store.eval` of the fixed-window script on one of 10,000 counters, round robin. */
const scenario: Scenario = defineScenario({
  name: 'store-script',
  description: 'store.eval(fixed-window INCR+PEXPIRE script) on one of 10,000 counters',
  adapters: ['memory', 'ioredis'],
  async setup(ctx) {
    const store = await ctx.store();
    const { keys } = ctx.fixtures;
    const n = keys.length;
    const args = [WINDOW_MS] as const;
    return {
      op: (i) => store.eval(FIXED_WINDOW, [keys[i % n] as string], args),
      async teardown() {
        await deleteKeys(store, keys);
      },
    };
  },
});

export default scenario;

import type { Reply } from '../driver.js';
import { defineScript, type Script, type TwinResult } from '../script.js';

/** Most keys one read script takes: Lua's `unpack` has a stack limit near 8,000 values. */
export const L1_READ_MAX_KEYS = 1000;

/**
 * An L1 miss: the values and PTTLs of KEYS in one command, as `[value1, pttl1, value2, pttl2, …]`.
 * One EVALSHA costs the client one command where a GET + PTTL pipeline costs two plus the
 * pipeline's own overhead (measured in the `l1-miss` bench scenario). One key uses GET, so a
 * key of another type still fails with WRONGTYPE; several keys use MGET (nil for other types).
 */
export const L1_READ: Script<Reply[]> = defineScript<Reply[]>({
  name: 'rf-l1-read',
  lua: `local values
if #KEYS == 1 then values = { redis.call('GET', KEYS[1]) } else values = redis.call('MGET', unpack(KEYS)) end
local out = {}
for i = 1, #KEYS do
  out[2 * i - 1] = values[i]
  out[2 * i] = redis.call('PTTL', KEYS[i])
end
return out`,
  twin: (ctx, keys) => {
    const values: Reply[] =
      keys.length === 1 ? [ctx.call('GET', keys[0] as string)] : (ctx.call('MGET', ...keys) as Reply[]);
    const out: TwinResult[] = [];
    for (let i = 0; i < keys.length; i++) {
      const value = values[i];
      // Lua keeps a nil from GET as `false` inside the table; null would end the array.
      out.push(typeof value === 'string' ? value : false, ctx.call('PTTL', keys[i] as string) as number);
    }
    return out;
  },
  parse: (reply) => reply as Reply[],
});

import type { Reply } from '../driver.js';
import { defineScript, type Script, type TwinResult } from '../script.js';

/** Most keys one read script takes: Lua's `unpack` has a stack limit near 8,000 values. */
export const L1_READ_MAX_KEYS = 1000;

/**
 * An L1 miss: the values and PTTLs of KEYS in one command, as `[value1, pttl1, value2, pttl2, …]`.
 * One EVALSHA costs the client one command where a GET + PTTL pipeline costs two plus the
 * pipeline's own overhead (measured in the `l1-miss` bench scenario). ARGV[1] is `get` or
 * `mget`: GET semantics (a key of another type fails with WRONGTYPE) for one key read by `get`,
 * MGET semantics (nil for other types) for `mget`.
 */
export const L1_READ: Script<Reply[]> = defineScript<Reply[]>({
  name: 'rf-l1-read',
  // Sent as EVALSHA_RO: Redis checks that it never writes, and an L1 below passes it through.
  readonly: true,
  lua: `local values
if ARGV[1] == 'get' then values = { redis.call('GET', KEYS[1]) } else values = redis.call('MGET', unpack(KEYS)) end
local out = {}
for i = 1, #KEYS do
  out[2 * i - 1] = values[i]
  out[2 * i] = redis.call('PTTL', KEYS[i])
end
return out`,
  twin: (ctx, keys, args) => {
    const values: Reply[] =
      args[0] === 'get' ? [ctx.call('GET', keys[0] as string)] : (ctx.call('MGET', ...keys) as Reply[]);
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

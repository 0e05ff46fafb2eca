import { defineScript, type Reply, type Script } from '@raptorflow/core';
import { fitIndex, LUA_FIT, LUA_NOW, nowOf, replyArray } from './shared.js';

const NAME = 'session-es-scan';

/** What {@link ES_SCAN} returns. */
export type EsScanReply = ReadonlyArray<readonly [id: string, json: string | null]>;

/**
 * The `express-session` store's `all`, `ids`, `length` and `clear`, from its index (never a SCAN
 * of the keyspace): prune expired entries and entries whose session is gone, then list (mode
 * `all`: ids and values; `ids`: ids only) or delete everything (mode `clear`).
 *
 * - KEYS[1]: the index, KEYS[2]: the prefix of the sessions' keys (same hash tag; see `LIST`).
 * - ARGV[1]: the mode.
 * - Reply: `{id, value, id, value, ...}` (`all`), `{id, ...}` (`ids`), `{n}` (`clear`: how many).
 */
const LUA = `${LUA_NOW}${LUA_FIT}redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local ids = redis.call('ZRANGE', KEYS[1], 0, -1)
local out = {}
local n = 0
for _, id in ipairs(ids) do
  if ARGV[1] == 'clear' then
    n = n + redis.call('DEL', KEYS[2] .. id)
    redis.call('ZREM', KEYS[1], id)
  elseif ARGV[1] == 'ids' then
    if redis.call('EXISTS', KEYS[2] .. id) == 1 then out[#out + 1] = id else redis.call('ZREM', KEYS[1], id) end
  else
    local v = redis.call('GET', KEYS[2] .. id)
    if v then
      out[#out + 1] = id
      out[#out + 1] = v
    else
      redis.call('ZREM', KEYS[1], id)
    end
  end
end
fitIndex(KEYS[1])
if ARGV[1] == 'clear' then return {n} end
return out`;

/** The listing script of the `express-session` store; see the Lua above. */
export const ES_SCAN: Script<readonly Reply[]> = defineScript({
  name: NAME,
  keys: 2,
  lua: LUA,
  twin: (ctx, keys, args) => {
    const [index, prefix] = keys as [string, string];
    const now = nowOf(ctx);
    ctx.call('ZREMRANGEBYSCORE', index, '-inf', now);
    const ids = ctx.call('ZRANGE', index, 0, -1) as string[];
    const out: string[] = [];
    let n = 0;
    for (const id of ids) {
      if (args[0] === 'clear') {
        n += ctx.call('DEL', prefix + id) as number;
        ctx.call('ZREM', index, id);
      } else if (args[0] === 'ids') {
        if (ctx.call('EXISTS', prefix + id) === 1) out.push(id);
        else ctx.call('ZREM', index, id);
      } else {
        const v = ctx.call('GET', prefix + id);
        if (v !== null) out.push(id, v as string);
        else ctx.call('ZREM', index, id);
      }
    }
    fitIndex(ctx, index);
    return args[0] === 'clear' ? [n] : out;
  },
  parse: (reply: Reply) => replyArray(NAME, reply),
});

import { defineScript, type Reply, type Script } from '@raptorflow/core';
import { activeOfPrefix, fitIndex, LUA_FIT } from './shared.js';

/**
 * Delete every session of a user but one (`except`), their index entries and their members of
 * the tag's active set (`<prefix>{<tag>}:a`, read off KEYS[2]; see `CREATE`), in one script.
 *
 * - KEYS[1]: the user's index, KEYS[2]: the prefix of the tag's records (see `LIST`).
 * - ARGV[1]: the session id to keep (`''`: none).
 * - Reply: the number of sessions deleted.
 */
const LUA = `${LUA_FIT}local ids = redis.call('ZRANGE', KEYS[1], 0, -1)
local a = string.sub(KEYS[2], 1, -3) .. 'a'
local n = 0
for _, id in ipairs(ids) do
  if id ~= ARGV[1] then
    n = n + redis.call('DEL', KEYS[2] .. id)
    redis.call('ZREM', KEYS[1], id)
    redis.call('ZREM', a, id)
  end
end
fitIndex(KEYS[1])
return n`;

/** The revoke-all script; see the Lua above. */
export const REVOKE_ALL: Script<number> = defineScript({
  name: 'session-revoke-all',
  keys: 2,
  lua: LUA,
  twin: (ctx, keys, args) => {
    const [index, prefix] = keys as [string, string];
    const ids = ctx.call('ZRANGE', index, 0, -1) as string[];
    const active = activeOfPrefix(prefix);
    let n = 0;
    for (const id of ids) {
      if (id === args[0]) continue;
      n += ctx.call('DEL', prefix + id) as number;
      ctx.call('ZREM', index, id);
      ctx.call('ZREM', active, id);
    }
    fitIndex(ctx, index);
    return n;
  },
  parse: (reply: Reply) => Number(reply),
});

import { defineScript, type Reply, type Script } from '@raptorflow/core';
import { fitIndex, LUA_FIT, LUA_NOW, nowOf, replyArray } from './shared.js';

const NAME = 'session-rotate';

/** What {@link ROTATE} returns: `null` when there is no such session. */
export type RotateReply = { readonly now: number; readonly expiresAt: number } | null;

/**
 * Move a session to a new token: the same fields and expiry under the new record, the old
 * record and its index entry deleted in the same script, so the old token never reads again.
 *
 * - KEYS[1]: the old record, KEYS[2]: the new record, KEYS[3]: the prefix of the tag's user
 *   indexes (see `GET`).
 * - ARGV: the old session id, the new session id.
 * - Reply: `{now, expiresAt}`, or nil when the old session does not exist (nothing written).
 */
const LUA = `local h = redis.call('HGETALL', KEYS[1])
if #h == 0 then return false end
${LUA_NOW}${LUA_FIT}local e = 0
local index = KEYS[3]
for i = 1, #h, 2 do
  if h[i] == 'e' then e = tonumber(h[i + 1]) end
  if h[i] == 'h' then index = KEYS[3] .. h[i + 1] end
  redis.call('HSET', KEYS[2], h[i], h[i + 1])
end
redis.call('HSET', KEYS[2], 't', now)
redis.call('PEXPIREAT', KEYS[2], e)
redis.call('DEL', KEYS[1])
redis.call('ZREM', index, ARGV[1])
redis.call('ZADD', index, e, ARGV[2])
fitIndex(index)
return {now, e}`;

/** The rotate script; see the Lua above. */
export const ROTATE: Script<RotateReply> = defineScript({
  name: NAME,
  keys: 3,
  lua: LUA,
  twin: (ctx, keys, args) => {
    const [old, next, indexes] = keys as [string, string, string];
    const h = ctx.call('HGETALL', old) as string[];
    if (h.length === 0) return false;
    const now = nowOf(ctx);
    let e = 0;
    let index = indexes;
    for (let i = 0; i + 1 < h.length; i += 2) {
      if (h[i] === 'e') e = Number(h[i + 1]);
      if (h[i] === 'h') index = indexes + (h[i + 1] as string);
      ctx.call('HSET', next, h[i] as string, h[i + 1] as string);
    }
    ctx.call('HSET', next, 't', now);
    ctx.call('PEXPIREAT', next, e);
    ctx.call('DEL', old);
    ctx.call('ZREM', index, args[0] as string);
    ctx.call('ZADD', index, e, args[1] as string);
    fitIndex(ctx, index);
    return [now, e];
  },
  parse: (reply: Reply): RotateReply => {
    if (reply === null) return null;
    const [now, expiresAt] = replyArray(NAME, reply);
    return { now: Number(now), expiresAt: Number(expiresAt) };
  },
});

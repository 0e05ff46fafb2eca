import { defineScript, type Reply, type Script } from '@raptorflow/core';
import { fitIndex, LUA_FIT, LUA_NOW, nowOf, replyArray } from './shared.js';

const NAME = 'session-extend';

/** What {@link EXTEND} returns: `null` when there is no such session. */
export type ExtendReply = { readonly now: number; readonly expiresAt: number } | null;

/**
 * Set a live session's expiry to min(now + ttl, absolute cap), and its index entry with it.
 *
 * - KEYS[1]: the record, KEYS[2]: the prefix of the tag's user indexes (see `GET`).
 * - ARGV: the session id, the TTL in ms.
 * - Reply: `{now, expiresAt}`, or nil when there is no such session (nothing written).
 */
const LUA = `if redis.call('EXISTS', KEYS[1]) == 0 then return false end
${LUA_NOW}${LUA_FIT}local r = redis.call('HMGET', KEYS[1], 'x', 'h')
local index = KEYS[2] .. r[2]
local e = math.min(now + tonumber(ARGV[2]), tonumber(r[1]))
redis.call('HSET', KEYS[1], 't', now, 'e', e)
redis.call('PEXPIREAT', KEYS[1], e)
redis.call('ZADD', index, e, ARGV[1])
fitIndex(index)
return {now, e}`;

/** The extend script; see the Lua above. */
export const EXTEND: Script<ExtendReply> = defineScript({
  name: NAME,
  keys: 2,
  lua: LUA,
  twin: (ctx, keys, args) => {
    const [record, indexes] = keys as [string, string];
    if (ctx.call('EXISTS', record) === 0) return false;
    const now = nowOf(ctx);
    const [x, h] = ctx.call('HMGET', record, 'x', 'h') as string[];
    const index = indexes + String(h);
    const e = Math.min(now + Number(args[1]), Number(x));
    ctx.call('HSET', record, 't', now, 'e', e);
    ctx.call('PEXPIREAT', record, e);
    ctx.call('ZADD', index, e, args[0] as string);
    fitIndex(ctx, index);
    return [now, e];
  },
  parse: (reply: Reply): ExtendReply => {
    if (reply === null) return null;
    const [now, expiresAt] = replyArray(NAME, reply);
    return { now: Number(now), expiresAt: Number(expiresAt) };
  },
});

import { defineScript, type Reply, type Script } from '@raptorflow/core';
import { fitIndex, LUA_FIT, LUA_NOW, nowOf, replyArray } from './shared.js';

/** What {@link ES_WRITE} returns: whether it wrote, and the store's time of the call. */
export interface EsWriteReply {
  readonly written: boolean;
  readonly now: number;
}

/**
 * The `express-session` store's `set` (mode `set`) and `touch` (mode `touch`): write the
 * session JSON (set only) with an expiry at now + ttl, and its index entry with it.
 *
 * - KEYS[1]: the session's key, KEYS[2]: the store's index (same hash tag).
 * - ARGV: mode, the hashed sid (index member), the TTL in ms, the JSON (set only).
 * - Reply: `{1, now}`, or `{0, now}` for a touch of a session that is gone (nothing written: connect-redis #251
 *   re-armed the TTL of expired sessions). A TTL <= 0 deletes the session (an expired cookie).
 */
const LUA = `${LUA_NOW}${LUA_FIT}local ttl = tonumber(ARGV[3])
if ARGV[1] == 'touch' and redis.call('EXISTS', KEYS[1]) == 0 then return {0, now} end
if ttl <= 0 then
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', KEYS[2], ARGV[2])
  return {1, now}
end
if ARGV[1] == 'set' then redis.call('SET', KEYS[1], ARGV[4]) end
redis.call('PEXPIREAT', KEYS[1], now + ttl)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
redis.call('ZADD', KEYS[2], now + ttl, ARGV[2])
fitIndex(KEYS[2])
return {1, now}`;

/** The set/touch script of the `express-session` store; see the Lua above. */
export const ES_WRITE: Script<EsWriteReply> = defineScript({
  name: 'session-es-write',
  keys: 2,
  lua: LUA,
  twin: (ctx, keys, args) => {
    const [key, index] = keys as [string, string];
    const now = nowOf(ctx);
    const ttl = Number(args[2]);
    if (args[0] === 'touch' && ctx.call('EXISTS', key) === 0) return [0, now];
    if (ttl <= 0) {
      ctx.call('DEL', key);
      ctx.call('ZREM', index, args[1] as string);
      return [1, now];
    }
    if (args[0] === 'set') ctx.call('SET', key, args[3] as string);
    ctx.call('PEXPIREAT', key, now + ttl);
    ctx.call('ZREMRANGEBYSCORE', index, '-inf', now);
    ctx.call('ZADD', index, now + ttl, args[1] as string);
    fitIndex(ctx, index);
    return [1, now];
  },
  parse: (reply: Reply): EsWriteReply => {
    const [ok, now] = replyArray('session-es-write', reply);
    return { written: Number(ok) === 1, now: Number(now) };
  },
});

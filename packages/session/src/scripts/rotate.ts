import { defineScript, type Reply, type Script } from '@raptorflow/core';
import { activeOfRecord, fitIndex, liveRecord, luaLiveRecord, markActive, replyArray } from './shared.js';

const NAME = 'session-rotate';

/** What {@link ROTATE} returns: `null` when there is no such session. */
export type RotateReply = { readonly now: number; readonly expiresAt: number } | null;

/**
 * Move a session to a new token: the same record and expiry under the new key (touched now),
 * the old record and its index entry deleted in the same script, so the old token never reads
 * again. The tag's active set (see `CREATE`) swaps the old id for the new one.
 *
 * - KEYS[1]: the old record, KEYS[2]: the new record, KEYS[3]: the prefix of the tag's user
 *   indexes (see `GET`).
 * - ARGV: the old session id, the new session id.
 * - Reply: `{now, expiresAt}`, or nil when the old session does not exist (nothing written).
 */
const LUA = `${luaLiveRecord(3)}redis.call('SET', KEYS[2], string.format('s2,%.0f,%s,%s,%s,%s,%s,%s', now, e, x, i, c, h, f) .. string.sub(v, at), 'PXAT', e)
redis.call('DEL', KEYS[1])
redis.call('ZREM', index, ARGV[1])
redis.call('ZADD', index, e, ARGV[2])
fitIndex(index)
local a = string.sub(KEYS[1], 1, -67) .. 'a'
redis.call('ZREM', a, ARGV[1])
markActive(a, now, ARGV[2], e)
return {now, tonumber(e)}`;

/** The rotate script; see the Lua above. */
export const ROTATE: Script<RotateReply> = defineScript({
  name: NAME,
  keys: 3,
  lua: LUA,
  twin: (ctx, keys, args) => {
    const [old, next, indexes] = keys as [string, string, string];
    const live = liveRecord(ctx, old, indexes);
    if (live === null) return false;
    const { now, r, index } = live;
    ctx.call('SET', next, `s2,${now},${r.e},${r.x},${r.i},${r.c},${r.h},${r.f}${r.rest}`, 'PXAT', r.e);
    ctx.call('DEL', old);
    ctx.call('ZREM', index, args[0] as string);
    ctx.call('ZADD', index, r.e, args[1] as string);
    fitIndex(ctx, index);
    const active = activeOfRecord(old);
    ctx.call('ZREM', active, args[0] as string);
    markActive(ctx, active, now, args[1] as string, r.e);
    return [now, Number(r.e)];
  },
  parse: (reply: Reply): RotateReply => {
    if (reply === null) return null;
    const [now, expiresAt] = replyArray(NAME, reply);
    return { now: Number(now), expiresAt: Number(expiresAt) };
  },
});

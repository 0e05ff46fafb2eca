import { defineScript, type Reply, type Script } from '@raptorflow/core';
import { activeOfRecord, fitIndex, liveRecord, luaLiveRecord, markActive, replyArray } from './shared.js';

const NAME = 'session-extend';

/** What {@link EXTEND} returns: `null` when there is no such session. */
export type ExtendReply = { readonly now: number; readonly expiresAt: number } | null;

/**
 * Set a live session's expiry to min(now + ttl, absolute cap), and its index entry and its
 * member of the tag's active set (see `CREATE`) with it.
 *
 * - KEYS[1]: the record, KEYS[2]: the prefix of the tag's user indexes (see `GET`).
 * - ARGV: the session id, the TTL in ms.
 * - Reply: `{now, expiresAt}`, or nil when there is no such session (nothing written).
 */
const LUA = `${luaLiveRecord(2)}e = math.min(now + tonumber(ARGV[2]), tonumber(x))
if e > now then
  redis.call('SET', KEYS[1], string.format('s2,%.0f,%.0f,%s,%s,%s,%s,%s', now, e, x, i, c, h, f) .. string.sub(v, at), 'PXAT', e)
  redis.call('ZADD', index, e, ARGV[1])
  markActive(string.sub(KEYS[1], 1, -67) .. 'a', now, ARGV[1], e)
else
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', index, ARGV[1])
  redis.call('ZREM', string.sub(KEYS[1], 1, -67) .. 'a', ARGV[1])
end
fitIndex(index)
return {now, e}`;

/** The extend script; see the Lua above. */
export const EXTEND: Script<ExtendReply> = defineScript({
  name: NAME,
  keys: 2,
  lua: LUA,
  twin: (ctx, keys, args) => {
    const [record, indexes] = keys as [string, string];
    const live = liveRecord(ctx, record, indexes);
    if (live === null) return false;
    const { now, r, index } = live;
    const e = Math.min(now + Number(args[1]), Number(r.x));
    if (e > now) {
      ctx.call('SET', record, `s2,${now},${e},${r.x},${r.i},${r.c},${r.h},${r.f}${r.rest}`, 'PXAT', e);
      ctx.call('ZADD', index, e, args[0] as string);
      markActive(ctx, activeOfRecord(record), now, args[0] as string, e);
    } else {
      ctx.call('DEL', record);
      ctx.call('ZREM', index, args[0] as string);
      ctx.call('ZREM', activeOfRecord(record), args[0] as string);
    }
    fitIndex(ctx, index);
    return [now, e];
  },
  parse: (reply: Reply): ExtendReply => {
    if (reply === null) return null;
    const [now, expiresAt] = replyArray(NAME, reply);
    return { now: Number(now), expiresAt: Number(expiresAt) };
  },
});

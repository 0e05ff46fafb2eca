import { defineScript, type Reply, type Script } from '@raptorflow/core';
import { LUA_NOW, nowOf, parseRecord, replyArray, type SessionRecord } from './shared.js';

const NAME = 'session-list';

/** One session of {@link LIST}'s reply. */
export interface ListedSession {
  /** The session's id: SHA-256 of its token, hex (never the token). */
  readonly id: string;
  readonly record: SessionRecord;
}

/** What {@link LIST} returns. */
export interface ListReply {
  readonly now: number;
  readonly sessions: readonly ListedSession[];
}

/**
 * A user's live sessions, soonest expiry first. The index is pruned as it is read: entries
 * whose expiry has passed, and entries whose record is gone, are removed, so the index never
 * outgrows the live sessions.
 *
 * - KEYS[1]: the user's index, KEYS[2]: the prefix of the tag's records (a key name, so
 *   namespaces and Cluster routing apply to it like to any key; every record read shares the tag).
 * - Reply: `{now, id, n, field, value, ..., id, n, ...}`, n the number of field/value items.
 */
const LUA = `${LUA_NOW}redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local ids = redis.call('ZRANGE', KEYS[1], 0, -1)
local out = {now}
for _, id in ipairs(ids) do
  local h = redis.call('HGETALL', KEYS[2] .. id)
  if #h == 0 then
    redis.call('ZREM', KEYS[1], id)
  else
    out[#out + 1] = id
    out[#out + 1] = #h
    for i = 1, #h do out[#out + 1] = h[i] end
  end
end
return out`;

/** The list script; see the Lua above. */
export const LIST: Script<ListReply> = defineScript({
  name: NAME,
  keys: 2,
  lua: LUA,
  twin: (ctx, keys) => {
    const [index, prefix] = keys as [string, string];
    const now = nowOf(ctx);
    ctx.call('ZREMRANGEBYSCORE', index, '-inf', now);
    const ids = ctx.call('ZRANGE', index, 0, -1) as string[];
    const out: Array<string | number> = [now];
    for (const id of ids) {
      const h = ctx.call('HGETALL', prefix + id) as string[];
      if (h.length === 0) ctx.call('ZREM', index, id);
      else out.push(id, h.length, ...h);
    }
    return out;
  },
  parse: (reply: Reply): ListReply => {
    const a = replyArray(NAME, reply);
    const sessions: ListedSession[] = [];
    let i = 1;
    while (i < a.length) {
      const id = String(a[i]);
      const n = Number(a[i + 1]);
      sessions.push({ id, record: parseRecord(NAME, a.slice(i + 2, i + 2 + n)) });
      i += 2 + n;
    }
    return { now: Number(a[0]), sessions };
  },
});

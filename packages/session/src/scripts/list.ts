import { defineScript, type Reply, type Script } from '@raptorflow/core';
import {
  activeOfPrefix,
  LUA_LOAD,
  LUA_NOW,
  loadRecord,
  nowOf,
  parseRecord,
  replyArray,
  type SessionRecord,
} from './shared.js';

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
 * outgrows the live sessions. An entry whose record is gone (evicted, deleted by hand) leaves the
 * tag's active set too (`<prefix>{<tag>}:a`, read off KEYS[2]; see `CREATE`).
 *
 * - KEYS[1]: the user's index, KEYS[2]: the prefix of the tag's records (a key name, so
 *   namespaces and Cluster routing apply to it like to any key; every record read shares the tag).
 * - Reply: `{now, id, record, id, record, ...}`, each record as stored (see `shared.ts`).
 */
const LUA = `${LUA_LOAD}${LUA_NOW}redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local ids = redis.call('ZRANGE', KEYS[1], 0, -1)
local out = {now}
for _, id in ipairs(ids) do
  local v = loadRecord(KEYS[2] .. id)
  if not v then
    redis.call('ZREM', KEYS[1], id)
    redis.call('ZREM', string.sub(KEYS[2], 1, -3) .. 'a', id)
  else
    out[#out + 1] = id
    out[#out + 1] = v
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
      const v = loadRecord(ctx, prefix + id);
      if (v === null) {
        ctx.call('ZREM', index, id);
        ctx.call('ZREM', activeOfPrefix(prefix), id);
      } else out.push(id, v);
    }
    return out;
  },
  parse: (reply: Reply): ListReply => {
    const a = replyArray(NAME, reply);
    const sessions: ListedSession[] = [];
    for (let i = 1; i + 1 < a.length; i += 2) {
      sessions.push({ id: String(a[i]), record: parseRecord(NAME, String(a[i + 1])) });
    }
    return { now: Number(a[0]), sessions };
  },
});

import { defineScript, type Reply, type Script } from '@raptorflow/core';
import { asInteger } from '@raptorflow/core/driver';
import { LUA_NOW, twinNow } from './clock.js';

/** A member of a room and when it was last seen (ms, the store's clock). */
export interface PresentMember {
  readonly member: string;
  readonly lastSeen: number;
}

/** What {@link PRESENCE_LIST} returns. */
export interface PresenceListReply {
  /** The store's time when the list was read, ms. */
  readonly now: number;
  /** Members seen within the ttl, most recently seen first. */
  readonly members: readonly PresentMember[];
}

/**
 * Drop members not seen within the ttl, then list the others, most recent first.
 *
 * - KEYS[1]: the room. ARGV[1]: the ttl, ms. ARGV[2]: at most this many members (>= 1).
 * - Reply: `{now, member1, lastSeen1, member2, lastSeen2, ...}`.
 */
const LIST_LUA = `${LUA_NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. (now - tonumber(ARGV[1])))
local found = redis.call('ZREVRANGEBYSCORE', KEYS[1], '+inf', '-inf', 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[2]))
local out = {now}
for i = 1, #found do out[#out + 1] = found[i] end
return out`;

/** The presence read; see the Lua above. Pruning on read is why it writes. */
export const PRESENCE_LIST: Script<PresenceListReply> = defineScript({
  name: 'realtime-presence-list',
  keys: 1,
  lua: LIST_LUA,
  twin: (ctx, keys, args) => {
    const key = keys[0] as string;
    const now = twinNow(ctx);
    ctx.call('ZREMRANGEBYSCORE', key, '-inf', `(${now - Number(args[0])}`);
    const found = ctx.call(
      'ZREVRANGEBYSCORE',
      key,
      '+inf',
      '-inf',
      'WITHSCORES',
      'LIMIT',
      0,
      Number(args[1]),
    );
    return [now, ...(found as Reply[])];
  },
  parse: parsePresenceListReply,
});

/** The reply of {@link PRESENCE_LIST}. */
export function parsePresenceListReply(reply: Reply): PresenceListReply {
  const flat = reply as Reply[];
  const members: PresentMember[] = [];
  for (let i = 1; i + 1 < flat.length; i += 2) {
    members.push({ member: String(flat[i]), lastSeen: Number(flat[i + 1]) });
  }
  return { now: asInteger(flat[0] ?? null), members };
}

import { defineScript, type Reply, type Script } from '@raptorflow/core';
import { fitIndex, LUA_FIT, LUA_NOW, nowOf, replyArray } from './shared.js';

const NAME = 'session-create';

/** What {@link CREATE} returns: the store's time of the call and the session's first expiry. */
export interface CreateReply {
  readonly now: number;
  readonly expiresAt: number;
}

/**
 * Store a new session and add it to its user's index, pruned of expired entries on the way.
 *
 * - KEYS[1]: the record, KEYS[2]: the prefix of the tag's user indexes (a key name, so
 *   namespaces and Cluster routing apply to it; the index is it plus the user's hash).
 * - ARGV: the session id (index member), user id, user hash, workspace id (`''` for none), idle
 *   TTL ms, absolute TTL ms, fingerprint (`''` for none), then data field/value pairs
 *   (`d.<name>`, JSON).
 * - Reply: `{now, expiresAt}`; expiresAt = min(now + idle, now + absolute).
 */
const LUA = `${LUA_NOW}${LUA_FIT}local idle = tonumber(ARGV[5])
local cap = now + tonumber(ARGV[6])
local exp = math.min(now + idle, cap)
local index = KEYS[2] .. ARGV[3]
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'u', ARGV[2], 'h', ARGV[3], 'w', ARGV[4], 'c', now, 't', now, 'e', exp, 'x', cap, 'i', idle, 'f', ARGV[7])
for i = 8, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('PEXPIREAT', KEYS[1], exp)
redis.call('ZREMRANGEBYSCORE', index, '-inf', now)
redis.call('ZADD', index, exp, ARGV[1])
fitIndex(index)
return {now, exp}`;

/** The create script; see the Lua above and {@link encodeCreateArgs}. */
export const CREATE: Script<CreateReply> = defineScript({
  name: NAME,
  keys: 2,
  lua: LUA,
  twin: (ctx, keys, args) => {
    const [record, indexes] = keys as [string, string];
    const now = nowOf(ctx);
    const idle = Number(args[4]);
    const cap = now + Number(args[5]);
    const exp = Math.min(now + idle, cap);
    const index = indexes + (args[2] as string);
    ctx.call('DEL', record);
    ctx.call('HSET', record, 'u', args[1] as string, 'h', args[2] as string, 'w', args[3] as string);
    ctx.call('HSET', record, 'c', now, 't', now, 'e', exp, 'x', cap, 'i', idle, 'f', args[6] as string);
    for (let i = 7; i + 1 < args.length; i += 2)
      ctx.call('HSET', record, args[i] as string, args[i + 1] as string);
    ctx.call('PEXPIREAT', record, exp);
    ctx.call('ZREMRANGEBYSCORE', index, '-inf', now);
    ctx.call('ZADD', index, exp, args[0] as string);
    fitIndex(ctx, index);
    return [now, exp];
  },
  parse: parseCreateReply,
});

/** ARGV of {@link CREATE}. */
export function encodeCreateArgs(
  id: string,
  userId: string,
  userHash: string,
  workspaceId: string,
  idleMs: number,
  absoluteMs: number,
  fingerprint: string,
  fields: readonly string[],
): string[] {
  return [id, userId, userHash, workspaceId, String(idleMs), String(absoluteMs), fingerprint, ...fields];
}

/** The reply of {@link CREATE}. */
export function parseCreateReply(reply: Reply): CreateReply {
  const [now, expiresAt] = replyArray(NAME, reply);
  return { now: Number(now), expiresAt: Number(expiresAt) };
}

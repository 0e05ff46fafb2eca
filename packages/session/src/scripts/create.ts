import { defineScript, type Reply, type Script } from '@raptorflow/core';
import {
  activeOfRecord,
  fitIndex,
  LUA_ACTIVE,
  LUA_FIT,
  LUA_NOW,
  markActive,
  nowOf,
  replyArray,
} from './shared.js';

const NAME = 'session-create';

/** What {@link CREATE} returns: the store's time of the call and the session's first expiry. */
export interface CreateReply {
  readonly now: number;
  readonly expiresAt: number;
}

/**
 * Store a new session (one string, see `shared.ts`) and add it to its user's index, pruned of
 * expired entries on the way, and to its tag's active set (`markActive`, what `countActive` counts).
 *
 * - KEYS[1]: the record, KEYS[2]: the prefix of the tag's user indexes (a key name, so
 *   namespaces and Cluster routing apply to it; the index is it plus the user's hash). The
 *   tag's active set, `<prefix>{<tag>}:a`, is read off KEYS[1] as `GET` reads the index (same
 *   namespace, same hash tag).
 * - ARGV: the session id (index member), user id, user hash, workspace id (`''` for none), idle
 *   TTL ms, absolute TTL ms, fingerprint (`''` for none), the data (a JSON object's text,
 *   members separated by `,\n`).
 * - Reply: `{now, expiresAt}`; expiresAt = min(now + idle, now + absolute).
 */
const LUA = `${LUA_NOW}${LUA_FIT}${LUA_ACTIVE}local cap = now + tonumber(ARGV[6])
local exp = math.min(now + tonumber(ARGV[5]), cap)
local index = KEYS[2] .. ARGV[3]
redis.call('SET', KEYS[1], string.format('s2,%.0f,%.0f,%.0f,%s,%.0f,%s,%s', now, exp, cap, ARGV[5], now, ARGV[3], ARGV[7]) ..
  '\\0' .. ARGV[4] .. '\\0' .. ARGV[2] .. '\\0' .. ARGV[8], 'PXAT', exp)
redis.call('ZREMRANGEBYSCORE', index, '-inf', now)
redis.call('ZADD', index, exp, ARGV[1])
fitIndex(index)
markActive(string.sub(KEYS[1], 1, -67) .. 'a', now, ARGV[1], exp)
return {now, exp}`;

/** The create script; see the Lua above and {@link encodeCreateArgs}. */
export const CREATE: Script<CreateReply> = defineScript({
  name: NAME,
  keys: 2,
  lua: LUA,
  twin: (ctx, keys, args) => {
    const [record, indexes] = keys as [string, string];
    const now = nowOf(ctx);
    const cap = now + Number(args[5]);
    const exp = Math.min(now + Number(args[4]), cap);
    const index = indexes + (args[2] as string);
    const [, user, h, w, idle, , f, data] = args as string[];
    ctx.call(
      'SET',
      record,
      `s2,${now},${exp},${cap},${idle},${now},${h},${f}\0${w}\0${user}\0${data}`,
      'PXAT',
      exp,
    );
    ctx.call('ZREMRANGEBYSCORE', index, '-inf', now);
    ctx.call('ZADD', index, exp, args[0] as string);
    fitIndex(ctx, index);
    markActive(ctx, activeOfRecord(record), now, args[0] as string, exp);
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
  data: string,
): string[] {
  return [id, userId, userHash, workspaceId, String(idleMs), String(absoluteMs), fingerprint, data];
}

/** The reply of {@link CREATE}. */
export function parseCreateReply(reply: Reply): CreateReply {
  const [now, expiresAt] = replyArray(NAME, reply);
  return { now: Number(now), expiresAt: Number(expiresAt) };
}

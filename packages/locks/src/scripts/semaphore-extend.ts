import { defineScript, type Reply, type Script } from '@raptorflow/core';
import { replyArray, replyInteger } from './reply.js';
import { LUA_EXPIRE_WITH_LAST, LUA_NOW, twinExpireWithLast, twinNow } from './semaphore-lua.js';

const NAME = 'locks-semaphore-extend';

/** What {@link SEMAPHORE_EXTEND} returns. */
export interface SemaphoreExtendReply {
  readonly extended: boolean;
  /** The store's time of the call, ms. */
  readonly now: number;
}

/**
 * Set an owner's permits to expire ARGV[2] ms from now (store's clock), only while they have
 * not expired: an owner whose expiry passed is never re-admitted by an extension, even if its
 * entry was not pruned yet (redis-semaphore #175).
 *
 * - KEYS: holders, permits. ARGV: owner token, TTL ms. Reply: `{1|0, now}`.
 */
const LUA = `${LUA_NOW}
${LUA_EXPIRE_WITH_LAST}
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score or tonumber(score) <= now then return {0, now} end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
expireWithLast()
return {1, now}`;

/** The semaphore extend script; see the Lua above. */
export const SEMAPHORE_EXTEND: Script<SemaphoreExtendReply> = defineScript({
  name: NAME,
  keys: 2,
  lua: LUA,
  twin: (ctx, keys, args) => {
    const [holders, permits] = keys as [string, string];
    const now = twinNow(ctx);
    const score = ctx.call('ZSCORE', holders, args[0] as string);
    if (score === null || Number(score) <= now) return [0, now];
    ctx.call('ZADD', holders, now + Number(args[1]), args[0] as string);
    twinExpireWithLast(ctx, holders, permits);
    return [1, now];
  },
  parse: (reply: Reply) => {
    const [ok, now] = replyArray(NAME, reply);
    return { extended: replyInteger(NAME, ok) === 1, now: replyInteger(NAME, now) };
  },
});

/** ARGV of {@link SEMAPHORE_EXTEND}: the owner token and the TTL in whole ms. */
export function encodeSemaphoreExtendArgs(token: string, ttlMs: number): readonly [string, string] {
  return [token, String(ttlMs)];
}

import { defineScript, type Reply, type Script, scriptError } from '@raptorflow/core';
import { replyArray, replyInteger } from './reply.js';
import { LUA_EXPIRE_WITH_LAST, LUA_NOW, twinExpireWithLast, twinNow } from './semaphore-lua.js';

const NAME = 'locks-semaphore-acquire';

/** What {@link SEMAPHORE_ACQUIRE} returns. */
export type SemaphoreAcquireReply =
  /** The permits are ours; `fence` is the fencing token, `now` the store's time. */
  | { readonly acquired: true; readonly now: number; readonly fence: number }
  /** Not enough free permits; `free` were free. */
  | { readonly acquired: false; readonly now: number; readonly free: number };

/**
 * Take `permits` of a counting semaphore of `limit`, with expiry decided on the store's clock.
 *
 * - KEYS: holders (sorted set owner → expiry ms), permits (hash owner → count), the fencing
 *   counter, the waiters flag (written by a refused caller that will wait: its own expiry
 *   instant, `now + TTL` on the script's clock, as value and as PXAT, so the release decides on
 *   `now` whether it is still set).
 * - ARGV: owner token, TTL ms, limit, permits, `1` when the caller will wait.
 * - Reply: `{1, now, fence}` or `{0, now, free}`.
 *
 * Expired holders are pruned first (their permits come back). Checks come before writes, so a
 * planted non-number fails without a partial write.
 */
const LUA = `${LUA_NOW}
${LUA_EXPIRE_WITH_LAST}
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
for _, m in ipairs(expired) do redis.call('HDEL', KEYS[2], m) end
if #expired > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now) end
local used = 0
local h = redis.call('HGETALL', KEYS[2])
for i = 2, #h, 2 do
  if not string.match(h[i], '^%d+$') then error('permits field is not a whole number') end
  used = used + tonumber(h[i])
end
local limit, permits = tonumber(ARGV[3]), tonumber(ARGV[4])
if used + permits > limit then
  if ARGV[5] == '1' then
    local at = now + tonumber(ARGV[2])
    redis.call('SET', KEYS[4], at, 'PXAT', at)
  end
  return {0, now, limit - used}
end
local fence = redis.call('GET', KEYS[3])
if fence and not string.match(fence, '^%-?%d+$') then error('fencing counter is not an integer') end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[4])
expireWithLast()
return {1, now, redis.call('INCR', KEYS[3])}`;

/** The semaphore acquire script; see the Lua above and {@link encodeSemaphoreAcquireArgs}. */
export const SEMAPHORE_ACQUIRE: Script<SemaphoreAcquireReply> = defineScript({
  name: NAME,
  keys: 4,
  lua: LUA,
  twin: (ctx, keys, args) => {
    const [holders, permitsKey, fenceKey, waiters] = keys as [string, string, string, string];
    const now = twinNow(ctx);
    const expired = ctx.call('ZRANGEBYSCORE', holders, '-inf', now) as string[];
    for (const m of expired) ctx.call('HDEL', permitsKey, m);
    if (expired.length > 0) ctx.call('ZREMRANGEBYSCORE', holders, '-inf', now);
    let used = 0;
    const h = ctx.call('HGETALL', permitsKey) as string[];
    for (let i = 1; i < h.length; i += 2) {
      if (!/^\d+$/.test(h[i] as string)) throw scriptError(NAME, 'permits field is not a whole number');
      used += Number(h[i]);
    }
    const limit = Number(args[2]);
    const permits = Number(args[3]);
    if (used + permits > limit) {
      if (args[4] === '1') {
        const at = String(now + Number(args[1]));
        ctx.call('SET', waiters, at, 'PXAT', at);
      }
      return [0, now, limit - used];
    }
    const fence = ctx.call('GET', fenceKey);
    if (fence !== null && !/^-?\d+$/.test(String(fence)))
      throw scriptError(NAME, 'fencing counter is not an integer');
    ctx.call('ZADD', holders, now + Number(args[1]), args[0] as string);
    ctx.call('HSET', permitsKey, args[0] as string, args[3] as string);
    twinExpireWithLast(ctx, holders, permitsKey);
    return [1, now, ctx.call('INCR', fenceKey) as number];
  },
  parse: parseSemaphoreAcquireReply,
});

/** ARGV of {@link SEMAPHORE_ACQUIRE}; every number a whole number the caller checked. */
export function encodeSemaphoreAcquireArgs(
  token: string,
  ttlMs: number,
  limit: number,
  permits: number,
  willWait: boolean,
): readonly string[] {
  return [token, String(ttlMs), String(limit), String(permits), willWait ? '1' : '0'];
}

/** The reply of {@link SEMAPHORE_ACQUIRE}. */
export function parseSemaphoreAcquireReply(reply: Reply): SemaphoreAcquireReply {
  const [flag, now, n] = replyArray(NAME, reply);
  const at = replyInteger(NAME, now);
  if (replyInteger(NAME, flag) === 1) return { acquired: true, now: at, fence: replyInteger(NAME, n) };
  return { acquired: false, now: at, free: replyInteger(NAME, n) };
}

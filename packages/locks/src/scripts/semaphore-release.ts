import { defineScript, type Reply, type Script } from '@raptorflow/core';
import { replyArray, replyInteger } from './reply.js';
import { LUA_EXPIRE_WITH_LAST, LUA_NOW, twinExpireWithLast, twinNow } from './semaphore-lua.js';

const NAME = 'locks-semaphore-release';

/** What {@link SEMAPHORE_RELEASE} returns. */
export interface SemaphoreReleaseReply {
  /** The owner still held its permits (not expired) and gave them back. */
  readonly released: boolean;
  /** Someone waits for the group: the caller publishes a wake-up. */
  readonly waiters: boolean;
  /** The store's time of the call, ms. */
  readonly now: number;
}

/**
 * Give an owner's permits back. An entry that already expired is removed too, but reported as
 * not released: its permits were no longer the owner's.
 *
 * - KEYS: holders, permits, waiters flag. ARGV: owner token. Reply: `{released, now, waiters}` (`now` second, as in every
 * semaphore reply).
 *
 * The flag is deleted by a release, and counts as set only before the instant it holds (a
 * semaphore's refused acquire writes `now + TTL`; a mutex's writes `1`, always counted). Redis
 * keeps a key through its expiry millisecond, judged at the script's start, while its TIME reads
 * the live clock: deciding on the value and the script's one `now` keeps the answer independent of
 * how long the script runs, and both stores answer alike.
 */
const LUA = `${LUA_NOW}
${LUA_EXPIRE_WITH_LAST}
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score then return {0, now, 0} end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
expireWithLast()
if tonumber(score) <= now then return {0, now, 0} end
local kind = redis.call('TYPE', KEYS[3]).ok
if kind == 'none' then return {1, now, 0} end
local flag = kind == 'string' and redis.call('GET', KEYS[3]) or '1'
redis.call('DEL', KEYS[3])
if flag ~= '1' and string.match(flag, '^%d+$') and tonumber(flag) <= now then return {1, now, 0} end
return {1, now, 1}`;

/** The semaphore release script; see the Lua above. */
export const SEMAPHORE_RELEASE: Script<SemaphoreReleaseReply> = defineScript({
  name: NAME,
  keys: 3,
  lua: LUA,
  twin: (ctx, keys, args) => {
    const [holders, permits, waiters] = keys as [string, string, string];
    const now = twinNow(ctx);
    const score = ctx.call('ZSCORE', holders, args[0] as string);
    if (score === null) return [0, now, 0];
    ctx.call('ZREM', holders, args[0] as string);
    ctx.call('HDEL', permits, args[0] as string);
    twinExpireWithLast(ctx, holders, permits);
    if (Number(score) <= now) return [0, now, 0];
    const kind = ctx.call('TYPE', waiters);
    if (kind === 'none') return [1, now, 0];
    const flag = kind === 'string' ? String(ctx.call('GET', waiters)) : '1';
    ctx.call('DEL', waiters);
    if (flag !== '1' && /^\d+$/.test(flag) && Number(flag) <= now) return [1, now, 0];
    return [1, now, 1];
  },
  parse: (reply: Reply) => {
    const [released, now, waiters] = replyArray(NAME, reply);
    return {
      released: replyInteger(NAME, released) === 1,
      waiters: replyInteger(NAME, waiters) === 1,
      now: replyInteger(NAME, now),
    };
  },
});

/** ARGV of {@link SEMAPHORE_RELEASE}: the owner token. */
export function encodeSemaphoreReleaseArgs(token: string): readonly [string] {
  return [token];
}

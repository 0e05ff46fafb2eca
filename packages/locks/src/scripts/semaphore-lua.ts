/**
 * Lua and twin fragments shared by the semaphore scripts (no script is defined here). The
 * holders are a sorted set scored by each owner's expiry on the store's clock (TIME inside the
 * script, never a client's clock: redis-semaphore scores by client timestamps, so its fairness
 * holds only within clock skew), the permits a hash owner → count. A holder whose expiry is at
 * or before now is gone.
 */
import type { ScriptContext } from '@raptorflow/core';

/** `now` (ms) from TIME, as every semaphore script starts. */
export const LUA_NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** Both keys expire with the last holder (PEXPIREAT its score), or are deleted when none is left. */
export const LUA_EXPIRE_WITH_LAST = `local function expireWithLast()
  local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
  if #last == 0 then redis.call('DEL', KEYS[1], KEYS[2]) return end
  redis.call('PEXPIREAT', KEYS[1], last[2])
  redis.call('PEXPIREAT', KEYS[2], last[2])
end`;

/** The twin's `now`: the memory store's clock, frozen for the script (what TIME returns). */
export function twinNow(ctx: ScriptContext): number {
  const t = ctx.call('TIME') as string[];
  return Number(t[0]) * 1000 + Math.floor(Number(t[1]) / 1000);
}

/** The twin of {@link LUA_EXPIRE_WITH_LAST}. */
export function twinExpireWithLast(ctx: ScriptContext, holders: string, permits: string): void {
  const last = ctx.call('ZRANGE', holders, -1, -1, 'WITHSCORES') as string[];
  if (last.length === 0) {
    ctx.call('DEL', holders, permits);
    return;
  }
  ctx.call('PEXPIREAT', holders, last[1] as string);
  ctx.call('PEXPIREAT', permits, last[1] as string);
}

import type { ScriptContext } from '@raptorflow/core';

/** Lua that sets `now` to the store's time in whole ms (Redis `TIME`, never ARGV). */
export const LUA_NOW: string = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** The twin's {@link LUA_NOW}: the memory store's clock, which tests can replace. */
export function twinNow(ctx: ScriptContext): number {
  const t = ctx.call('TIME') as string[];
  return Number(t[0]) * 1000 + Math.floor(Number(t[1]) / 1000);
}

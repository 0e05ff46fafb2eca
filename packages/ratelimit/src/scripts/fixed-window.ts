import type { ScriptContext } from '@raptorflow/core';
import {
  type Algorithm,
  type LimitCheck,
  type LimitParams,
  readString,
  unreadable,
  whole,
} from './algorithm.js';
import { defineAlgorithm } from './envelope.js';

/*
 * Fixed window that starts at the first admitted call ("start:count"), on the store's clock,
 * so resets are spread over time instead of every identifier resetting on the same tick.
 * A rejected call writes nothing, so the counter never grows past the limit.
 */
const LUA = `
local function check(key, limit, window, burst, cost, now)
  local start, count = now, 0
  local v = redis.pcall('GET', key)
  if v then
    local a, b
    if type(v) == 'string' then a, b = string.match(v, '^(%d+):(%d+)$') end
    a, b = whole(a), whole(b)
    if a and b then
      start, count = a, b
      if now >= start + window or now < start then start, count = now, 0 end
    else
      unreadable(key)
    end
  end
  local ncount = count + cost
  if ncount < 0 then ncount = 0 end
  local allowed = count + cost <= limit
  local left = start + window - now
  local retry = 0
  if not allowed then
    if cost > limit then retry = -1 else retry = left end
  end
  local remNow = limit - count
  if remNow < 0 then remNow = 0 end
  local remTaken = limit - ncount
  if remTaken < 0 then remTaken = 0 end
  local resetNow = 0
  if count > 0 then resetNow = left end
  local resetTaken = 0
  if ncount > 0 then resetTaken = left end
  return allowed, remNow, remTaken, resetNow, resetTaken, retry, { start, ncount, left }
end

local function commit(key, limit, window, burst, cost, now, st)
  if st[2] <= 0 then
    redis.call('DEL', key)
  else
    redis.call('SET', key, string.format('%d:%d', st[1], st[2]), 'PXAT', string.format('%d', now + st[3]))
  end
end
`;

/** The stored state, as the Lua pattern `^(%d+):(%d+)$` reads it. */
const STATE = /^(\d+):(\d+)$/;

function check(ctx: ScriptContext, key: string, p: LimitParams, cost: number, now: number): LimitCheck {
  const { limit, window } = p;
  let start = now;
  let count = 0;
  const v = readString(ctx, key);
  if (v !== null) {
    const m = STATE.exec(v);
    const a = whole(m?.[1]);
    const b = whole(m?.[2]);
    if (a !== undefined && b !== undefined) {
      start = a;
      count = b;
      if (now >= start + window || now < start) {
        start = now;
        count = 0;
      }
    } else unreadable(ctx, key);
  }
  const ncount = Math.max(count + cost, 0);
  const allowed = count + cost <= limit;
  const left = start + window - now;
  const retry = allowed ? 0 : cost > limit ? -1 : left;
  return {
    allowed,
    remNow: Math.max(limit - count, 0),
    remTaken: Math.max(limit - ncount, 0),
    resetNow: count > 0 ? left : 0,
    resetTaken: ncount > 0 ? left : 0,
    retry,
    state: [start, ncount, left],
  };
}

function commit(
  ctx: ScriptContext,
  key: string,
  _p: LimitParams,
  _c: number,
  _now: number,
  st: readonly number[],
): void {
  const [start = 0, ncount = 0, left = 0] = st;
  if (ncount <= 0) ctx.call('DEL', key);
  // `PX left` is Lua's `PXAT now + left`: inside a script the memory store's TIME is the instant
  // its expiry is measured from, and a small number converts to a string far faster.
  else ctx.call('SET', key, `${start}:${ncount}`, 'PX', String(left));
}

/** Fixed window starting at the first admitted call; the simplest and cheapest counter. */
export const fixedWindow: Algorithm<'fixed-window'> = defineAlgorithm({
  name: 'fixed-window',
  tag: 'fw',
  lua: LUA,
  check,
  commit,
});

import type { ScriptContext } from '@raptorflow/core';
import {
  type Algorithm,
  type LimitCheck,
  type LimitParams,
  luaMod,
  readString,
  unreadable,
  whole,
} from './algorithm.js';
import { defineAlgorithm } from './envelope.js';

/*
 * Sliding window counter: two counters of epoch-aligned windows ("start:cur:prev") and the
 * estimate prev * (window - elapsed) / window + cur. The comparison is multiplied out
 * (prev * (window - elapsed) + (cur + cost) * window <= limit * window) so no fraction is ever
 * rounded. It is an approximation of a true sliding window; the exact variant is sliding-log.
 */
const LUA = `
local function check(key, limit, window, burst, cost, now)
  local cs = now - (now % window)
  local cur, prev = 0, 0
  local v = redis.pcall('GET', key)
  if v then
    local a, b, c
    if type(v) == 'string' then a, b, c = string.match(v, '^(%d+):(%d+):(%d+)$') end
    a, b, c = whole(a), whole(b), whole(c)
    if not (a and b and c) then unreadable(key)
    elseif a == cs then cur, prev = b, c
    elseif a == cs - window then prev = b end
  end
  local elapsed = now - cs
  local weighted = prev * (window - elapsed)
  local cap = limit * window - weighted
  local allowed = (cur + cost) * window <= cap
  local ncur = cur + cost
  if ncur < 0 then ncur = 0 end
  local retry = 0
  if not allowed then
    if cost > limit then retry = -1
    else
      local need = limit - cur - cost
      if need >= 0 then
        retry = window - math.floor(need * window / prev) - elapsed
      else
        local e2 = 0
        if cur > 0 then e2 = window - math.floor((limit - cost) * window / cur) end
        if e2 < 0 then e2 = 0 end
        retry = window - elapsed + e2
      end
    end
  end
  local base = math.floor(cap / window)
  local remNow = base - cur
  if remNow < 0 then remNow = 0 end
  local remTaken = base - ncur
  if remTaken < 0 then remTaken = 0 end
  local resetNow, resetTaken = 0, 0
  if cur > 0 then resetNow = 2 * window - elapsed elseif prev > 0 then resetNow = window - elapsed end
  if ncur > 0 then resetTaken = 2 * window - elapsed elseif prev > 0 then resetTaken = window - elapsed end
  return allowed, remNow, remTaken, resetNow, resetTaken, retry, { cs, ncur, prev, resetTaken }
end

local function commit(key, limit, window, burst, cost, now, st)
  if st[4] <= 0 then
    redis.call('DEL', key)
  else
    redis.call('SET', key, string.format('%d:%d:%d', st[1], st[2], st[3]), 'PXAT', string.format('%d', now + st[4]))
  end
end
`;

/** The stored state, as the Lua pattern `^(%d+):(%d+):(%d+)$` reads it. */
const STATE = /^(\d+):(\d+):(\d+)$/;

function check(ctx: ScriptContext, key: string, p: LimitParams, cost: number, now: number): LimitCheck {
  const { limit, window } = p;
  const cs = now - luaMod(now, window);
  let cur = 0;
  let prev = 0;
  const v = readString(ctx, key);
  if (v !== null) {
    const m = STATE.exec(v);
    const s = whole(m?.[1]);
    const b = whole(m?.[2]);
    const c = whole(m?.[3]);
    if (s === undefined || b === undefined || c === undefined) unreadable(ctx, key);
    else if (s === cs) {
      cur = b;
      prev = c;
    } else if (s === cs - window) {
      prev = b;
    }
  }
  const elapsed = now - cs;
  const weighted = prev * (window - elapsed);
  const cap = limit * window - weighted;
  const allowed = (cur + cost) * window <= cap;
  const ncur = Math.max(cur + cost, 0);
  let retry = 0;
  if (!allowed) {
    if (cost > limit) retry = -1;
    else {
      const need = limit - cur - cost;
      if (need >= 0) retry = window - Math.floor((need * window) / prev) - elapsed;
      else {
        let e2 = cur > 0 ? window - Math.floor(((limit - cost) * window) / cur) : 0;
        if (e2 < 0) e2 = 0;
        retry = window - elapsed + e2;
      }
    }
  }
  const base = Math.floor(cap / window);
  const resetNow = cur > 0 ? 2 * window - elapsed : prev > 0 ? window - elapsed : 0;
  const resetTaken = ncur > 0 ? 2 * window - elapsed : prev > 0 ? window - elapsed : 0;
  return {
    allowed,
    remNow: Math.max(base - cur, 0),
    remTaken: Math.max(base - ncur, 0),
    resetNow,
    resetTaken,
    retry,
    state: [cs, ncur, prev, resetTaken],
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
  const [cs = 0, ncur = 0, prev = 0, ttl = 0] = st;
  if (ttl <= 0) ctx.call('DEL', key);
  // `PX ttl` is Lua's `PXAT now + ttl` (see fixed-window.ts).
  else ctx.call('SET', key, `${cs}:${ncur}:${prev}`, 'PX', String(ttl));
}

/** Sliding window counter (weighted previous window); two counters in one key. */
export const slidingWindow: Algorithm<'sliding-window'> = defineAlgorithm({
  name: 'sliding-window',
  tag: 'sw',
  lua: LUA,
  check,
  commit,
});

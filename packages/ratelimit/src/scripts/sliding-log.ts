import type { ScriptContext } from '@raptorflow/core';
import { type Algorithm, type LimitCheck, type LimitParams, unreadable } from './algorithm.js';
import { defineAlgorithm } from './envelope.js';

/*
 * Exact sliding window: a sorted set of admitted units scored by their store time. A call sees
 * every unit in (now - window, now]; memory grows with the limit, so limits are capped (see
 * options). Members are "time:seq" with a zero-padded sequence so ties sort by insertion order.
 * A rejected call writes nothing; expired units are trimmed only when a call is admitted.
 * A key of another type, or whose newest score is not a store time at most a window ahead, is
 * unreadable state: deleted and read as an empty log.
 */
const LUA = `
local function check(key, limit, window, burst, cost, now)
  local live = redis.pcall('ZRANGEBYSCORE', key, '(' .. string.format('%d', now - window), '+inf', 'WITHSCORES')
  if live.err then
    unreadable(key)
    live = {}
  elseif #live > 0 then
    -- The newest unit's score is the store time of its write: digits, at most a window ahead.
    local last = live[#live]
    if not (string.match(last, '^%d+$') and #last <= 15 and last + 0 <= now + window) then
      unreadable(key)
      live = {}
    end
  end
  local count = #live / 2
  local allowed = count + cost <= limit
  local retry = 0
  if not allowed then
    if cost > limit then retry = -1
    else retry = tonumber(live[2 * (count + cost - limit)]) + window - now end
  end
  local ncount = count + cost
  if ncount < 0 then ncount = 0 end
  local remNow = limit - count
  if remNow < 0 then remNow = 0 end
  local remTaken = limit - ncount
  if remTaken < 0 then remTaken = 0 end
  local resetNow = 0
  if count > 0 then resetNow = tonumber(live[2 * count]) + window - now end
  local resetTaken = resetNow
  if cost > 0 then resetTaken = window
  elseif ncount == 0 then resetTaken = 0
  elseif ncount < count then resetTaken = tonumber(live[2 * ncount]) + window - now end
  local drop = {}
  if cost < 0 then
    for i = ncount + 1, count do drop[#drop + 1] = live[2 * i - 1] end
  end
  return allowed, remNow, remTaken, resetNow, resetTaken, retry, { count, resetTaken, drop }
end

local function commit(key, limit, window, burst, cost, now, st)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', string.format('%d', now - window))
  if cost > 0 then
    local score = string.format('%d', now)
    for j = 1, cost do
      redis.call('ZADD', key, score, string.format('%d:%06d', now, st[1] + j))
    end
  else
    for _, m in ipairs(st[3]) do redis.call('ZREM', key, m) end
  end
  if st[2] > 0 then redis.call('PEXPIREAT', key, string.format('%d', now + st[2])) else redis.call('DEL', key) end
end
`;

interface LogState {
  count: number;
  resetTaken: number;
  drop: string[];
}

const pending = new WeakMap<readonly number[], LogState>();

function check(ctx: ScriptContext, key: string, p: LimitParams, cost: number, now: number): LimitCheck {
  const { limit, window } = p;
  const reply = ctx.pcall('ZRANGEBYSCORE', key, `(${now - window}`, '+inf', 'WITHSCORES');
  let live = (Array.isArray(reply) ? reply : []) as string[];
  if (!Array.isArray(reply)) unreadable(ctx, key);
  else if (live.length > 0) {
    const last = live[live.length - 1] as string;
    if (!/^\d{1,15}$/.test(last) || Number(last) > now + window) {
      unreadable(ctx, key);
      live = [];
    }
  }
  const count = live.length / 2;
  const allowed = count + cost <= limit;
  let retry = 0;
  if (!allowed) retry = cost > limit ? -1 : Number(live[2 * (count + cost - limit) - 1]) + window - now;
  const ncount = Math.max(count + cost, 0);
  const resetNow = count > 0 ? Number(live[2 * count - 1]) + window - now : 0;
  let resetTaken = resetNow;
  if (cost > 0) resetTaken = window;
  else if (ncount === 0) resetTaken = 0;
  else if (ncount < count) resetTaken = Number(live[2 * ncount - 1]) + window - now;
  const drop: string[] = [];
  if (cost < 0) for (let i = ncount + 1; i <= count; i++) drop.push(live[2 * i - 2] as string);
  // The envelope hands state back as numbers; the members to drop ride along in a side table.
  const state = [count, resetTaken];
  pending.set(state, { count, resetTaken, drop });
  return {
    allowed,
    remNow: Math.max(limit - count, 0),
    remTaken: Math.max(limit - ncount, 0),
    resetNow,
    resetTaken,
    retry,
    state,
  };
}

function commit(
  ctx: ScriptContext,
  key: string,
  p: LimitParams,
  cost: number,
  now: number,
  st: readonly number[],
): void {
  const s = pending.get(st);
  const count = s?.count ?? 0;
  const resetTaken = s?.resetTaken ?? 0;
  ctx.call('ZREMRANGEBYSCORE', key, '-inf', String(now - p.window));
  if (cost > 0) {
    const score = String(now);
    for (let j = 1; j <= cost; j++)
      ctx.call('ZADD', key, score, `${now}:${String(count + j).padStart(6, '0')}`);
  } else {
    for (const m of s?.drop ?? []) ctx.call('ZREM', key, m);
  }
  if (resetTaken > 0) ctx.call('PEXPIREAT', key, String(now + resetTaken));
  else ctx.call('DEL', key);
}

/** Exact sliding window (log of admitted units); for small limits. */
export const slidingLog: Algorithm<'sliding-log'> = defineAlgorithm({
  name: 'sliding-log',
  tag: 'sl',
  lua: LUA,
  check,
  commit,
});

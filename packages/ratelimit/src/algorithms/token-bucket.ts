import type { ScriptContext } from '@raptorflow/core';
import { type Algorithm, asString, type LimitCheck, type LimitParams } from './types.js';

/*
 * Token bucket with continuous refill: `limit` tokens per `window`, holding at most `burst`.
 * Tokens are kept in units of 1/window token ("ts:tokens:window"), so a refill of
 * limit/window tokens per ms is a whole `limit` units per ms and nothing is ever rounded.
 * A missing key is a full bucket; a rejected call writes nothing.
 */
const LUA = `
local function check(key, limit, window, burst, cost, now)
  local cap = burst * window
  local tok, ts = cap, now
  local v = redis.call('GET', key)
  if v then
    local a, b, c = string.match(v, '^(%d+):(%d+):(%d+)$')
    ts, tok = tonumber(a), tonumber(b)
    local w0 = tonumber(c)
    if w0 ~= window then tok = math.floor(tok * window / w0) end
  end
  local elapsed = now - ts
  if elapsed < 0 then elapsed = 0 end
  tok = tok + elapsed * limit
  if tok > cap then tok = cap end
  local need = cost * window
  local allowed = tok >= need
  local ntok = tok - need
  if ntok > cap then ntok = cap end
  if ntok < 0 then ntok = 0 end
  local retry = 0
  if not allowed then
    if cost > burst then retry = -1 else retry = math.ceil((need - tok) / limit) end
  end
  local remNow = math.floor(tok / window)
  local remTaken = math.floor(ntok / window)
  local resetNow = math.ceil((cap - tok) / limit)
  local resetTaken = math.ceil((cap - ntok) / limit)
  return allowed, remNow, remTaken, resetNow, resetTaken, retry, { ntok, resetTaken }
end

local function commit(key, limit, window, burst, cost, now, st)
  if st[2] <= 0 then
    redis.call('DEL', key)
  else
    redis.call('SET', key, string.format('%d:%d:%d', now, st[1], window), 'PX', string.format('%d', st[2]))
  end
end
`;

function check(ctx: ScriptContext, key: string, p: LimitParams, cost: number, now: number): LimitCheck {
  const { limit, window, burst } = p;
  const cap = burst * window;
  let tok = cap;
  let ts = now;
  const v = asString(ctx.call('GET', key));
  if (v !== null) {
    const [a, b, c] = v.split(':');
    ts = Number(a);
    tok = Number(b);
    const w0 = Number(c);
    if (w0 !== window) tok = Math.floor((tok * window) / w0);
  }
  const elapsed = Math.max(now - ts, 0);
  tok = Math.min(tok + elapsed * limit, cap);
  const need = cost * window;
  const allowed = tok >= need;
  const ntok = Math.max(Math.min(tok - need, cap), 0);
  const retry = allowed ? 0 : cost > burst ? -1 : Math.ceil((need - tok) / limit);
  const resetTaken = Math.ceil((cap - ntok) / limit);
  return {
    allowed,
    remNow: Math.floor(tok / window),
    remTaken: Math.floor(ntok / window),
    resetNow: Math.ceil((cap - tok) / limit),
    resetTaken,
    retry,
    state: [ntok, resetTaken],
  };
}

function commit(
  ctx: ScriptContext,
  key: string,
  p: LimitParams,
  _c: number,
  now: number,
  st: readonly number[],
): void {
  const [ntok = 0, ttl = 0] = st;
  if (ttl <= 0) ctx.call('DEL', key);
  else ctx.call('SET', key, `${now}:${ntok}:${p.window}`, 'PX', String(ttl));
}

/** Token bucket: refills `limit` per `window` continuously, holds up to `burst` (default `limit`). */
export const tokenBucket: Algorithm = { name: 'token-bucket', lua: LUA, check, commit };

import type { ScriptContext } from '@raptorflow/core';
import {
  type Algorithm,
  type LimitCheck,
  type LimitParams,
  readString,
  setAt,
  unreadable,
  whole,
} from './algorithm.js';
import { defineAlgorithm } from './envelope.js';

/*
 * Token bucket with continuous refill: `limit` tokens per `window`, holding at most `burst`.
 * Tokens are kept in units of 1/window token ("ts:tokens:window:full"), so a refill of
 * limit/window tokens per ms is a whole `limit` units per ms and nothing is ever rounded.
 * A missing key is a full bucket; a rejected call writes nothing.
 *
 * `full` is the instant the bucket is full again, which is also the key's expiry. At or after
 * it the state reads as a missing key. With an unchanged limit that changes nothing (the refill
 * has topped it up). With another limit than the one it was written with, a full bucket of the
 * old size is not a full bucket of the new one, so without this check the answer would depend on
 * whether the store has dropped the key yet: Redis keeps a key through its expiry millisecond
 * and decides on its own time snapshot (the differential test's seed -1886475254 caught it).
 * Values written before this field existed are read as before. A value that does not parse, or
 * whose refill start is more than a window ahead of the clock (never written: it is the clock of
 * its write), is unreadable state: deleted and read as a full bucket.
 */
const LUA = `
local function check(key, limit, window, burst, cost, now)
  local cap = burst * window
  local tok, ts = cap, now
  local v = redis.pcall('GET', key)
  if v then
    local a, b, c, full
    if type(v) == 'string' then a, b, c, full = string.match(v, '^(%d+):(%d+):(%d+):?(%d*)$') end
    a, b, c = whole(a), whole(b), whole(c)
    -- A refill start more than a window ahead was never written (see the comment above).
    if not (a and b and c and c >= 1 and #full <= 15 and a <= now + window) then
      unreadable(key)
    elseif full == '' or now < full + 0 then
      ts, tok = a, b
      if c ~= window then tok = math.floor(tok * window / c) end
    end
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
    local full = string.format('%d', now + st[2])
    redis.call('SET', key, string.format('%d:%d:%d:', now, st[1], window) .. full, 'PXAT', full)
  end
end
`;

/** The stored state, as the Lua pattern `^(%d+):(%d+):(%d+):?(%d*)$` reads it. */
const STATE = /^(\d+):(\d+):(\d+):?(\d*)$/;

function check(ctx: ScriptContext, key: string, p: LimitParams, cost: number, now: number): LimitCheck {
  const { limit, window, burst } = p;
  const cap = burst * window;
  let tok = cap;
  let ts = now;
  const v = readString(ctx, key);
  if (v !== null) {
    const m = STATE.exec(v);
    const a = whole(m?.[1]);
    const b = whole(m?.[2]);
    const w0 = whole(m?.[3]);
    const full = m?.[4] ?? '';
    if (
      a === undefined ||
      b === undefined ||
      w0 === undefined ||
      w0 < 1 ||
      full.length > 15 ||
      a > now + window
    )
      unreadable(ctx, key);
    else if (full === '' || now < Number(full)) {
      ts = a;
      tok = b;
      if (w0 !== window) tok = Math.floor((tok * window) / w0);
    }
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
  else setAt(ctx, key, `${now}:${ntok}:${p.window}:${now + ttl}`, now + ttl);
}

/** Token bucket: refills `limit` per `window` continuously, holds up to `burst` (default `limit`). */
export const tokenBucket: Algorithm<'token-bucket'> = defineAlgorithm({
  name: 'token-bucket',
  tag: 'tb',
  lua: LUA,
  check,
  commit,
});

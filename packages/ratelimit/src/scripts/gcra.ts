import type { ScriptContext } from '@raptorflow/core';
import { type Algorithm, asString, type LimitCheck, type LimitParams, luaMod } from './algorithm.js';
import { defineAlgorithm } from './envelope.js';

/*
 * GCRA (generic cell rate algorithm): one key holding the theoretical arrival time (TAT).
 * Each unit of cost moves the TAT by T = window / limit; a call is allowed while
 * TAT - window <= now. T is rarely a whole number of ms, so the TAT is kept exactly as
 * `ms + frac / den` ("ms:frac:den", den = the limit it was written with): all arithmetic stays
 * on integers below 2^53 and Lua and JavaScript compute bit-identical results.
 * A rejected call writes nothing.
 */
const LUA = `
local function check(key, limit, window, burst, cost, now)
  local ms, frac = now, 0
  local v = redis.call('GET', key)
  if v then
    local a, b, d = string.match(v, '^(%-?%d+):(%d+):(%d+)$')
    ms, frac = a + 0, b + 0
    local den = d + 0
    if den ~= limit then
      frac = math.ceil(frac * limit / den)
      ms = ms + math.floor(frac / limit)
      frac = frac % limit
    end
    if ms < now then ms, frac = now, 0 end
  end
  local total = frac + cost * window
  local nms = ms + math.floor(total / limit)
  local nfrac = total % limit
  local d = nms - window - now
  local allowed = d < 0 or (d == 0 and nfrac == 0)
  local retry = 0
  if not allowed then
    if cost > limit then retry = -1 elseif nfrac > 0 then retry = d + 1 else retry = d end
  end
  local remNow = math.floor(((now + window - ms) * limit - frac) / window)
  local remTaken = math.floor(((now + window - nms) * limit - nfrac) / window)
  if remNow < 0 then remNow = 0 end
  if remNow > limit then remNow = limit end
  if remTaken < 0 then remTaken = 0 end
  if remTaken > limit then remTaken = limit end
  local resetNow = ms - now
  if frac > 0 then resetNow = resetNow + 1 end
  local resetTaken = nms - now
  if nfrac > 0 then resetTaken = resetTaken + 1 end
  if resetTaken < 0 then resetTaken = 0 end
  return allowed, remNow, remTaken, resetNow, resetTaken, retry, { nms, nfrac, resetTaken }
end

local function commit(key, limit, window, burst, cost, now, st)
  if st[3] <= 0 then
    redis.call('DEL', key)
  else
    redis.call('SET', key, string.format('%d:%d:%d', st[1], st[2], limit), 'PXAT', string.format('%d', now + st[3]))
  end
end
`;

function check(ctx: ScriptContext, key: string, p: LimitParams, cost: number, now: number): LimitCheck {
  const { limit, window } = p;
  let ms = now;
  let frac = 0;
  const v = asString(ctx.call('GET', key));
  if (v !== null) {
    const [a, b, d] = v.split(':');
    ms = Number(a);
    frac = Number(b);
    const den = Number(d);
    if (den !== limit) {
      frac = Math.ceil((frac * limit) / den);
      ms = ms + Math.floor(frac / limit);
      frac = luaMod(frac, limit);
    }
    if (ms < now) {
      ms = now;
      frac = 0;
    }
  }
  const total = frac + cost * window;
  const nms = ms + Math.floor(total / limit);
  const nfrac = luaMod(total, limit);
  const d = nms - window - now;
  const allowed = d < 0 || (d === 0 && nfrac === 0);
  let retry = 0;
  if (!allowed) retry = cost > limit ? -1 : nfrac > 0 ? d + 1 : d;
  const remNow = clamp(Math.floor(((now + window - ms) * limit - frac) / window), limit);
  const remTaken = clamp(Math.floor(((now + window - nms) * limit - nfrac) / window), limit);
  const resetNow = ms - now + (frac > 0 ? 1 : 0);
  const resetTaken = Math.max(nms - now + (nfrac > 0 ? 1 : 0), 0);
  return { allowed, remNow, remTaken, resetNow, resetTaken, retry, state: [nms, nfrac, resetTaken] };
}

function commit(
  ctx: ScriptContext,
  key: string,
  p: LimitParams,
  _c: number,
  now: number,
  st: readonly number[],
): void {
  const [nms = 0, nfrac = 0, ttl = 0] = st;
  if (ttl <= 0) ctx.call('DEL', key);
  else ctx.call('SET', key, `${nms}:${nfrac}:${p.limit}`, 'PXAT', String(now + ttl));
}

function clamp(n: number, max: number): number {
  return n < 0 ? 0 : Math.min(n, max);
}

/** GCRA: continuous refill, exact retry-after, one key, no write on rejection. The default. */
export const gcra: Algorithm<'gcra'> = defineAlgorithm({
  name: 'gcra',
  tag: 'gcra',
  lua: LUA,
  check,
  commit,
});

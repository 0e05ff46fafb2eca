import type { ScriptContext } from '@raptorflow/core';
import {
  type Algorithm,
  type LimitCheck,
  type LimitParams,
  luaMod,
  readTriple,
  setTripleAt,
  unreadable,
} from './algorithm.js';
import { defineAlgorithm } from './envelope.js';

/*
 * GCRA (generic cell rate algorithm): one key holding the theoretical arrival time (TAT).
 * Each unit of cost moves the TAT by T = window / limit; a call is allowed while
 * TAT - window <= now. T is rarely a whole number of ms, so the TAT is kept exactly as
 * `ms + frac / den` ("ms:frac:den", den = the limit it was written with): all arithmetic stays
 * on integers below 2^53 and Lua and JavaScript compute bit-identical results.
 * A rejected call writes nothing. A stored TAT is at most one window ahead of the clock it was
 * written on (an admitted call keeps TAT - window <= now); one more than two windows ahead of
 * this clock is unreadable state, so a planted far-future TAT cannot lock an identifier out
 * for years, while a store clock that steps back a little keeps its state. `commit` passes the
 * expiry to SET as a Lua number: a whole number below 2^53 reaches Redis as its digits.
 */
const LUA = `
local function check(key, limit, window, burst, cost, now)
  local ms, frac = now, 0
  local v = redis.pcall('GET', key)
  if v then
    local a, b, den
    if type(v) == 'string' then a, b, den = string.match(v, '^(%-?%d+):(%d+):(%d+)$') end
    a, b, den = whole(a), whole(b), whole(den)
    -- A TAT more than two windows ahead was never written (see the comment above).
    if a and b and den and den >= 1 and b < den and a <= now + 2 * window then
      ms, frac = a, b
      if den ~= limit then
        frac = math.ceil(frac * limit / den)
        ms = ms + math.floor(frac / limit)
        frac = frac % limit
      end
      if ms < now then ms, frac = now, 0 end
    else
      unreadable(key)
    end
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
    redis.call('SET', key, string.format('%d:%d:%d', st[1], st[2], limit), 'PXAT', now + st[3])
  end
end
`;

/** The three fields of the last state {@link parseState} read. */
const FIELDS: [number, number, number] = [0, 0, 0];

/**
 * The stored state as the Lua reads it: the pattern `^(%-?%d+):(%d+):(%d+)$` with each capture
 * through `whole` (at most 15 characters, the sign included): the three numbers, in one array
 * shared by every call (read it before the next), or undefined where the Lua gets a nil.
 * Digit by digit, so a read allocates nothing.
 */
export function parseState(v: string): readonly [number, number, number] | undefined {
  const end = v.length;
  let i = 0;
  for (let field = 0; field < 3; field++) {
    const start = i;
    const negative = field === 0 && v.charCodeAt(i) === 45; // '-'
    if (negative) i++;
    let n = 0;
    const first = i;
    for (; i < end; i++) {
      const d = v.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      n = n * 10 + d;
    }
    // No digit, or more than 15 characters: the pattern fails or `whole` says nil.
    if (i === first || i - start > 15) return undefined;
    FIELDS[field] = negative ? -n : n;
    if (field < 2) {
      if (v.charCodeAt(i) !== 58) return undefined; // ':'
      i++;
    }
  }
  return i === end ? FIELDS : undefined;
}

/**
 * Numbers the store kept for a state written by `setTripleAt` (safe integers, never -0): what
 * {@link parseState} reads from their text, which is `<a>:<b>:<c>` in decimal. A field of more
 * than 15 characters (the sign included), or a negative second or third field, does not match.
 */
function asState(t: readonly [number, number, number]): readonly [number, number, number] | undefined {
  const a = t[0];
  const b = t[1];
  const c = t[2];
  return a > -1e14 && a < 1e15 && b >= 0 && b < 1e15 && c >= 0 && c < 1e15 ? t : undefined;
}

/** What every check returns (see AlgorithmSpec.check): one object, no allocation per call. */
const STATE: [number, number, number] = [0, 0, 0];
const RESULT: LimitCheck = {
  allowed: false,
  remNow: 0,
  remTaken: 0,
  resetNow: 0,
  resetTaken: 0,
  retry: 0,
  state: STATE,
};

function check(ctx: ScriptContext, key: string, p: LimitParams, cost: number, now: number): LimitCheck {
  const { limit, window } = p;
  let ms = now;
  let frac = 0;
  const v = readTriple(ctx, key);
  if (v !== null) {
    const f = typeof v === 'string' ? parseState(v) : asState(v);
    const a = f ? f[0] : 0;
    const b = f ? f[1] : 0;
    const den = f ? f[2] : 0;
    if (f !== undefined && den >= 1 && b < den && a <= now + 2 * window) {
      ms = a;
      frac = b;
      if (den !== limit) {
        frac = Math.ceil((frac * limit) / den);
        ms = ms + Math.floor(frac / limit);
        frac = luaMod(frac, limit);
      }
      if (ms < now) {
        ms = now;
        frac = 0;
      }
    } else unreadable(ctx, key);
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
  const r = RESULT;
  r.allowed = allowed;
  r.remNow = remNow;
  r.remTaken = remTaken;
  r.resetNow = resetNow;
  r.resetTaken = resetTaken;
  r.retry = retry;
  STATE[0] = nms;
  STATE[1] = nfrac;
  STATE[2] = resetTaken;
  return r;
}

function commit(
  ctx: ScriptContext,
  key: string,
  p: LimitParams,
  _c: number,
  now: number,
  st: readonly number[],
): void {
  const ttl = st[2] as number;
  if (ttl <= 0) ctx.call('DEL', key);
  else setTripleAt(ctx, key, st[0] as number, st[1] as number, p.limit, now + ttl);
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
  reusesResult: true,
  commit,
});

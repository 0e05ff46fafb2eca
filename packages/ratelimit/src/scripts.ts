import { defineScript, KvError, type Reply, type Script, type ScriptContext } from '@raptorflow/core';
import { fixedWindow } from './algorithms/fixed-window.js';
import { gcra } from './algorithms/gcra.js';
import { slidingLog } from './algorithms/sliding-log.js';
import { slidingWindow } from './algorithms/sliding-window.js';
import { tokenBucket } from './algorithms/token-bucket.js';
import type { Algorithm, AlgorithmName, LimitCheck, LimitParams } from './algorithms/types.js';

/*
 * One envelope script per algorithm. KEYS: the n limit keys, then (only when blocking is on)
 * the block key. ARGV: cost, commit (1 take / 0 peek), n, blockAfter, blockMs, abuseWindowMs,
 * then limit, window, burst for each limit. All limits are checked first; the cost is taken
 * from all of them or from none. The store's clock (TIME) is the only clock.
 *
 * Reply: [status, now, then limit, remaining, resetAfter, retryAfter for each limit], where
 * status is 1 allowed, 0 rejected, 2 blocked by a penalty. retryAfter -1 means "never"; while
 * blocked it is the time left of the block.
 */

/** Outcome of a script call, as the parser returns it. */
export interface ScriptOutcome {
  /** 1 allowed, 0 rejected, 2 blocked by a penalty. */
  status: 0 | 1 | 2;
  /** The store's clock when the script ran, ms since the epoch. */
  now: number;
  /** One entry per limit, in the order given. */
  limits: Array<{ limit: number; remaining: number; resetAfter: number; retryAfter: number }>;
}

/** Fixed ARGV entries before the per-limit triples. */
export const HEAD_ARGS = 6;

const ENVELOPE = `
local t = redis.call('TIME')
-- Arithmetic turns a numeric string into a number as tonumber does, at a third of its cost.
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local cost = ARGV[1] + 0
local take = ARGV[2] == '1'
local n = ARGV[3] + 0
local blockAfter = ARGV[4] + 0
local out = { 1, now }
if blockAfter > 0 then
  local b = redis.call('GET', KEYS[n + 1])
  if b and string.sub(b, 1, 1) == 'b' then
    local pt = redis.call('PTTL', KEYS[n + 1])
    out[1] = 2
    for i = 1, n do
      local j = #out
      out[j + 1], out[j + 2], out[j + 3], out[j + 4] = ARGV[4 + 3 * i] + 0, 0, pt, pt
    end
    return out
  end
end
local ok = true
-- Every limit's check in one flat table (8 slots each): one allocation per call, not one per limit.
local c = {}
for i = 1, n do
  local limit, window, burst = ARGV[4 + 3 * i] + 0, ARGV[5 + 3 * i] + 0, ARGV[6 + 3 * i] + 0
  local allowed, remNow, remTaken, resetNow, resetTaken, retry, st = check(KEYS[i], limit, window, burst, cost, now)
  local j = 8 * i - 8
  c[j + 1], c[j + 2], c[j + 3], c[j + 4], c[j + 5], c[j + 6], c[j + 7], c[j + 8] =
    remNow, remTaken, resetNow, resetTaken, retry, st, limit, window
  if not allowed then ok = false end
end
local status = 0
if ok then status = 1 end
local penalty = 0
if ok and take and cost ~= 0 then
  for i = 1, n do
    local j = 8 * i - 8
    commit(KEYS[i], c[j + 7], c[j + 8], ARGV[6 + 3 * i] + 0, cost, now, c[j + 6])
  end
elseif (not ok) and take and blockAfter > 0 and cost > 0 then
  local k = KEYS[n + 1]
  local hits = redis.call('INCR', k)
  if hits == 1 then redis.call('PEXPIRE', k, ARGV[6]) end
  if hits >= blockAfter then
    redis.call('SET', k, 'b', 'PX', ARGV[5])
    status = 2
    penalty = ARGV[5] + 0
  end
end
out[1] = status
for i = 1, n do
  local j = 8 * i - 8
  local o = 4 * i - 1
  if ok then
    out[o], out[o + 1], out[o + 2], out[o + 3] = c[j + 7], c[j + 2], c[j + 4], 0
  else
    local retry = c[j + 5]
    if penalty > 0 and retry < penalty then retry = penalty end
    out[o], out[o + 1], out[o + 2], out[o + 3] = c[j + 7], c[j + 1], c[j + 3], retry
  end
end
return out
`;

function envelopeTwin(algorithm: Algorithm) {
  return (ctx: ScriptContext, keys: readonly string[], args: readonly string[]): number[] => {
    const t = ctx.call('TIME') as string[];
    const now = Number(t[0]) * 1000 + Math.floor(Number(t[1]) / 1000);
    const cost = Number(args[0]);
    const take = args[1] === '1';
    const n = Number(args[2]);
    const blockAfter = Number(args[3]);
    const out: number[] = [1, now];
    const blockKey = keys[n] as string;
    if (blockAfter > 0) {
      const b = ctx.call('GET', blockKey);
      if (typeof b === 'string' && b.startsWith('b')) {
        const pt = ctx.call('PTTL', blockKey) as number;
        out[0] = 2;
        for (let i = 1; i <= n; i++) out.push(Number(args[3 + 3 * i]), 0, pt, pt);
        return out;
      }
    }
    let ok = true;
    const checks: LimitCheck[] = new Array(n);
    const params: LimitParams[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const p: LimitParams = {
        limit: Number(args[6 + 3 * i]),
        window: Number(args[7 + 3 * i]),
        burst: Number(args[8 + 3 * i]),
      };
      const c = algorithm.check(ctx, keys[i] as string, p, cost, now);
      checks[i] = c;
      params[i] = p;
      if (!c.allowed) ok = false;
    }
    let status = ok ? 1 : 0;
    let penalty = 0;
    if (ok && take && cost !== 0) {
      for (let i = 0; i < n; i++) {
        algorithm.commit(
          ctx,
          keys[i] as string,
          params[i] as LimitParams,
          cost,
          now,
          (checks[i] as LimitCheck).state,
        );
      }
    } else if (!ok && take && blockAfter > 0 && cost > 0) {
      const hits = ctx.call('INCR', blockKey) as number;
      if (hits === 1) ctx.call('PEXPIRE', blockKey, args[5] as string);
      if (hits >= blockAfter) {
        ctx.call('SET', blockKey, 'b', 'PX', args[4] as string);
        status = 2;
        penalty = Number(args[4]);
      }
    }
    out[0] = status;
    for (let i = 0; i < n; i++) {
      const c = checks[i] as LimitCheck;
      const p = params[i] as LimitParams;
      if (ok) out.push(p.limit, c.remTaken, c.resetTaken, 0);
      else {
        let retry = c.retry;
        if (penalty > 0 && retry < penalty) retry = penalty;
        out.push(p.limit, c.remNow, c.resetNow, retry);
      }
    }
    return out;
  };
}

/** Parse the envelope's reply; shared by every adapter. */
export function parseOutcome(reply: Reply): ScriptOutcome {
  if (!Array.isArray(reply) || reply.length < 2) {
    throw new KvError('E_SCRIPT', `unexpected rate-limit script reply: ${JSON.stringify(reply)}`);
  }
  const r = reply as number[];
  const limits: ScriptOutcome['limits'] = [];
  for (let i = 2; i + 3 < r.length; i += 4) {
    limits.push({
      limit: Number(r[i]),
      remaining: Number(r[i + 1]),
      resetAfter: Number(r[i + 2]),
      retryAfter: Number(r[i + 3]),
    });
  }
  return { status: Number(r[0]) as 0 | 1 | 2, now: Number(r[1]), limits };
}

function build(algorithm: Algorithm): Script<ScriptOutcome> {
  return defineScript<ScriptOutcome>({
    name: `ratelimit:${algorithm.name}`,
    lua: `${algorithm.lua}\n${ENVELOPE}`,
    twin: envelopeTwin(algorithm),
    parse: parseOutcome,
  });
}

/** The algorithms, by name. */
export const ALGORITHMS: Readonly<Record<AlgorithmName, Algorithm>> = {
  gcra,
  'fixed-window': fixedWindow,
  'sliding-window': slidingWindow,
  'sliding-log': slidingLog,
  'token-bucket': tokenBucket,
};

/** One envelope script per algorithm; exported so differential tests can run them directly. */
export const RATE_LIMIT_SCRIPTS: Readonly<Record<AlgorithmName, Script<ScriptOutcome>>> = {
  gcra: build(gcra),
  'fixed-window': build(fixedWindow),
  'sliding-window': build(slidingWindow),
  'sliding-log': build(slidingLog),
  'token-bucket': build(tokenBucket),
};

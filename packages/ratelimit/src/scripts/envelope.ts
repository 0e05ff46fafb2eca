import { defineScript, KvError, type Reply, type ScriptContext } from '@raptorflow/core';
import {
  type Algorithm,
  type AlgorithmSpec,
  clockTwin,
  type LimitCheck,
  type LimitParams,
  NOW_LUA,
  REPAIR_LUA,
  takeRepairs,
  unreadable,
} from './algorithm.js';
import { defineManyScript } from './many.js';

/*
 * The envelope every rate-limit script shares; an algorithm supplies `check` and `commit`.
 *
 * KEYS: the n limit keys (`{id}:<tag>:<limit name>`), then, only when blocking is on, the block
 * key (`{id}:block`). One identifier's keys share its hash tag, so one Cluster slot.
 * ARGV: see `encodeRateLimitArgs`, the only code that knows the offsets (the Lua and the twin
 * below read them through HEAD and PER_LIMIT). All limits are checked first; the cost is taken
 * from all of them or from none. The store's clock (TIME) is the only clock, and every expiry
 * is written as an absolute instant on it (PXAT / PEXPIREAT), so Redis and the twin expire a
 * key at the same instant.
 *
 * Reply: [status, now, then limit, remaining, resetAfter, retryAfter for each limit, then
 * repaired], where status is 1 allowed, 0 rejected, 2 blocked by a penalty. retryAfter -1 means
 * "never"; while blocked it is the time left of the block. `repaired` counts the keys whose
 * state was unreadable and was deleted (see `algorithm.ts`); the limiter reports it as an event.
 */

/** ARGV entries before the per-limit triples: cost, take, n, blockAfter, blockMs, abuseWindowMs. */
const HEAD = 6;
/** ARGV entries per limit: limit, window, burst. */
const PER_LIMIT = 3;

/** Outcome of a script call, as the parser returns it. */
export interface ScriptOutcome {
  /** 1 allowed, 0 rejected, 2 blocked by a penalty. */
  status: 0 | 1 | 2;
  /** The store's clock when the script ran, ms since the epoch. */
  now: number;
  /** One entry per limit, in the order given. */
  limits: Array<{ limit: number; remaining: number; resetAfter: number; retryAfter: number }>;
  /** Keys whose state was unreadable (a foreign value or type), deleted and read as missing. */
  repaired: number;
}

/** The penalty block of a limiter, in ms. */
export interface BlockParams {
  /** Rejected calls within `within` that start a block. */
  after: number;
  /** Length of the block, ms. */
  duration: number;
  /** Window in which rejected calls are counted, ms. */
  within: number;
}

/** One call of a rate-limit script. */
export interface RateLimitCall {
  /** Units to take (negative: refund; 0 with `take: false`: report only). */
  cost: number;
  /** `true` takes the cost (limit), `false` only checks it (peek). */
  take: boolean;
  /** The penalty block, or undefined when off (then there is no block key). */
  block: BlockParams | undefined;
  /** Every limit, in key order. */
  limits: readonly LimitParams[];
}

/** ARGV of `call` (see {@link argsEncoder} for the limiter's cached form). */
export function encodeRateLimitArgs(call: RateLimitCall): string[] {
  return argsEncoder(call.block, call.limits)(call.cost, call.take) as string[];
}

/**
 * The ARGV encoder of one limiter: the configured part is stringified once. With no
 * `override`, a call of cost 1 that takes gets one frozen, shared array (core checks a frozen
 * array once per store). `override` replaces the limits of this call (same length and order).
 */
export function argsEncoder(
  block: BlockParams | undefined,
  limits: readonly LimitParams[],
): (cost: number, take: boolean, override?: readonly LimitParams[]) => readonly string[] {
  const tail: string[] = [
    String(limits.length),
    String(block?.after ?? 0),
    String(block?.duration ?? 0),
    String(block?.within ?? 0),
  ];
  for (const p of limits) tail.push(String(p.limit), String(p.window), String(p.burst));
  const takeOne: readonly string[] = Object.freeze(['1', '1', ...tail]);
  return (cost, take, override) => {
    if (override === undefined && cost === 1 && take) return takeOne;
    const args = [String(cost), take ? '1' : '0', ...tail];
    if (override !== undefined) {
      for (let i = 0; i < override.length; i++) {
        const p = override[i] as LimitParams;
        const at = HEAD + PER_LIMIT * i;
        args[at] = String(p.limit);
        args[at + 1] = String(p.window);
        args[at + 2] = String(p.burst);
      }
    }
    return args;
  };
}

/*
 * The envelope is one Lua function, `run(KEYS, k, ARGV, now)`, whose keys are KEYS[k + 1]...: the
 * single script calls it once with the script's own KEYS (k = 0) and ARGV, the combined script
 * (see `many.ts`) once per call it carries, each with the offset of its keys, its ARGV and the
 * one TIME reading of the invocation.
 */
/*
 * `lastArgs` and what follows it are the numbers of the last ARGV read (cost, take, n,
 * blockAfter, then limit, window, burst per limit): the combined script passes one table to
 * every call with the same ARGV, read once. (Comments live out here: the Lua ships in bundles.)
 *
 * - Arithmetic (`ARGV[1] + 0`) turns a numeric string into a number as tonumber does, at a
 *   third of its cost.
 * - A block key is unreadable when it holds another type, neither a count nor 'b<until>', or a
 *   block longer than the option. 'b<until>' is the block's end on this clock; a bare 'b'
 *   (older writers) has only its PTTL. A block over on this clock is deleted: Redis may still
 *   hold the key through its expiry millisecond.
 * - Every limit's check goes in one flat table `c` (8 slots each): one allocation per call, not
 *   one per limit.
 */
const ENVELOPE = `
local HEAD, PER_LIMIT = ${HEAD}, ${PER_LIMIT}
local lastArgs, cost, take, n, blockAfter
local params = {}
local function run(KEYS, k, ARGV, now)
repaired = 0
if ARGV ~= lastArgs then
  lastArgs = nil
  cost = ARGV[1] + 0
  take = ARGV[2] == '1'
  n = ARGV[3] + 0
  blockAfter = ARGV[4] + 0
  for i = 1, n do
    local at = HEAD + PER_LIMIT * (i - 1)
    params[3 * i - 2], params[3 * i - 1], params[3 * i] = ARGV[at + 1] + 0, ARGV[at + 2] + 0, ARGV[at + 3] + 0
  end
  lastArgs = ARGV
end
local out = { 1, now }
if blockAfter > 0 then
  local bk = KEYS[k + n + 1]
  local b = redis.pcall('GET', bk)
  local untilMs
  if b and type(b) == 'string' then untilMs = string.match(b, '^b(%d*)$') end
  if b and not ((untilMs and (untilMs == '' or (#untilMs <= 15 and untilMs - now <= ARGV[5] + 0)))
      or (type(b) == 'string' and string.match(b, '^%d+$') and #b <= 15)) then
    unreadable(bk)
    b = false
  end
  if untilMs and b then
    local pt
    if untilMs ~= '' then pt = untilMs - now else pt = redis.call('PTTL', bk) end
    if pt > 0 then
      out[1] = 2
      for i = 1, n do
        local j = #out
        out[j + 1], out[j + 2], out[j + 3], out[j + 4] = params[3 * i - 2], 0, pt, pt
      end
      out[#out + 1] = repaired
      return out
    end
    redis.call('DEL', bk)
  end
end
local ok = true
local c = {}
for i = 1, n do
  local limit, window, burst = params[3 * i - 2], params[3 * i - 1], params[3 * i]
  local allowed, remNow, remTaken, resetNow, resetTaken, retry, st = check(KEYS[k + i], limit, window, burst, cost, now)
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
    commit(KEYS[k + i], c[j + 7], c[j + 8], params[3 * i], cost, now, c[j + 6])
  end
elseif (not ok) and take and blockAfter > 0 and cost > 0 then
  local bk = KEYS[k + n + 1]
  local hits = redis.call('INCR', bk)
  if hits == 1 then redis.call('PEXPIREAT', bk, string.format('%d', now + ARGV[6])) end
  if hits >= blockAfter then
    penalty = ARGV[5] + 0
    local untilMs = string.format('%d', now + penalty)
    redis.call('SET', bk, 'b' .. untilMs, 'PXAT', untilMs)
    status = 2
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
out[4 * n + 3] = repaired
return out
end
`;

/** The single script's body after the envelope: one call. */
const SINGLE_LUA = `
return run(KEYS, 0, ARGV, clock())
`;

/*
 * The block paths live outside the envelope twin: they run rarely, and a smaller twin keeps the
 * algorithm's check and commit within V8's inlining budget, so their result objects never reach
 * the heap (measured: a twin with these paths inline cost fixed-window a third of its speed).
 */

/** True (with `out` filled) while a block holds; a block that ended is deleted. */
function blockedFor(
  ctx: ScriptContext,
  blockKey: string,
  now: number,
  n: number,
  args: readonly string[],
  out: number[],
): boolean {
  const b = ctx.pcall('GET', blockKey);
  if (b === null) return false;
  const m = typeof b === 'string' ? /^b(\d*)$/.exec(b) : null;
  const u = m?.[1];
  const isCount = typeof b === 'string' && /^\d{1,15}$/.test(b);
  if (
    !((u !== undefined && (u === '' || (u.length <= 15 && Number(u) - now <= Number(args[4])))) || isCount)
  ) {
    unreadable(ctx, blockKey);
    return false;
  }
  if (u === undefined) return false;
  const pt = u !== '' ? Number(u) - now : (ctx.call('PTTL', blockKey) as number);
  if (pt <= 0) {
    ctx.call('DEL', blockKey);
    return false;
  }
  out[0] = 2;
  for (let i = 0; i < n; i++) out.push(Number(args[HEAD + PER_LIMIT * i]), 0, pt, pt);
  out.push(takeRepairs());
  return true;
}

/** Count a rejected call; once there are `blockAfter` within the window, block: the penalty in ms, else 0. */
function countRejection(
  ctx: ScriptContext,
  blockKey: string,
  now: number,
  blockAfter: number,
  args: readonly string[],
): number {
  const hits = ctx.call('INCR', blockKey) as number;
  if (hits === 1) ctx.call('PEXPIREAT', blockKey, String(now + Number(args[5])));
  if (hits < blockAfter) return 0;
  const penalty = Number(args[4]);
  const until = String(now + penalty);
  ctx.call('SET', blockKey, `b${until}`, 'PXAT', until);
  return penalty;
}

/** Twin of the Lua `run(KEYS, k, ARGV, now)`: one call of the envelope, on its own keys. */
export type EnvelopeTwin = (
  ctx: ScriptContext,
  keys: readonly string[],
  args: readonly string[],
  now: number,
) => number[];

/** The envelope's ARGV as numbers (see `encodeRateLimitArgs`). */
interface ParsedArgs {
  /** The frozen ARGV these numbers were read from, or undefined when they are not kept. */
  args: readonly string[] | undefined;
  cost: number;
  take: boolean;
  n: number;
  blockAfter: number;
  params: LimitParams[];
}

/*
 * Scratch of the envelope twin, reused by every run: twins are synchronous and never nest (a
 * script cannot run a script), and a run writes what it reads first. A frozen ARGV cannot
 * change, so its numbers stay valid for the next run with the same array: the limiter sends
 * one frozen ARGV for every common call, which then reads no number at all.
 */
const PARSED: ParsedArgs = { args: undefined, cost: 0, take: false, n: 0, blockAfter: 0, params: [] };
/** What each limit's check returned, as `keepCheck` keeps it. */
const CHECKS: LimitCheck[] = [];
/** Copies of checks of algorithms that reuse their result (see AlgorithmSpec.check), one per limit. */
const COPIES: LimitCheck[] = [];

/**
 * What the envelope keeps of limit `i`'s check: `c` itself, or for an algorithm that reuses
 * its result a copy in the scratch of limit `i`, the state's numbers too.
 */
function keepCheck(i: number, c: LimitCheck, reused: boolean): LimitCheck {
  if (!reused) {
    CHECKS[i] = c;
    return c;
  }
  let k = COPIES[i];
  if (k === undefined) {
    k = { allowed: false, remNow: 0, remTaken: 0, resetNow: 0, resetTaken: 0, retry: 0, state: [] };
    COPIES[i] = k;
  }
  k.allowed = c.allowed;
  k.remNow = c.remNow;
  k.remTaken = c.remTaken;
  k.resetNow = c.resetNow;
  k.resetTaken = c.resetTaken;
  k.retry = c.retry;
  const state = k.state as number[];
  state.length = c.state.length;
  for (let j = 0; j < c.state.length; j++) state[j] = c.state[j] as number;
  CHECKS[i] = k;
  return k;
}

function parseArgs(args: readonly string[]): ParsedArgs {
  const r = PARSED;
  if (args === r.args) return r;
  r.args = undefined; // not valid until every number below is read
  r.cost = Number(args[0]);
  r.take = args[1] === '1';
  const n = Number(args[2]);
  r.n = n;
  r.blockAfter = Number(args[3]);
  for (let i = 0; i < n; i++) {
    const at = HEAD + PER_LIMIT * i;
    let p = r.params[i];
    if (p === undefined) {
      p = { limit: 0, window: 0, burst: 0 };
      r.params.push(p);
    }
    p.limit = Number(args[at]);
    p.window = Number(args[at + 1]);
    p.burst = Number(args[at + 2]);
  }
  if (Object.isFrozen(args)) r.args = args;
  return r;
}

function envelopeTwin(algorithm: AlgorithmSpec): EnvelopeTwin {
  const reused = algorithm.reusesResult === true;
  /*
   * The envelope of one limit, the common case: the check's result is read where it was
   * returned (nothing kept between limits) and the reply is one array literal.
   */
  const single = (
    ctx: ScriptContext,
    keys: readonly string[],
    p: LimitParams,
    cost: number,
    take: boolean,
    blockAfter: number,
    args: readonly string[],
    now: number,
  ): number[] => {
    const key = keys[0] as string;
    const c = algorithm.check(ctx, key, p, cost, now);
    if (c.allowed) {
      if (take && cost !== 0) algorithm.commit(ctx, key, p, cost, now, c.state);
      return [1, now, p.limit, c.remTaken, c.resetTaken, 0, takeRepairs()];
    }
    let status = 0;
    let retry = c.retry;
    const remNow = c.remNow;
    const resetNow = c.resetNow;
    if (take && blockAfter > 0 && cost > 0) {
      const penalty = countRejection(ctx, keys[1] as string, now, blockAfter, args);
      if (penalty > 0) {
        status = 2;
        if (retry < penalty) retry = penalty;
      }
    }
    return [status, now, p.limit, remNow, resetNow, retry, takeRepairs()];
  };
  return (ctx, keys, args, now) => {
    const { cost, take, n, blockAfter, params } = parseArgs(args);
    const blockKey = keys[n] as string;
    takeRepairs(); // a twin that threw half-way left its count behind
    if (blockAfter > 0) {
      const out: number[] = [1, now];
      if (blockedFor(ctx, blockKey, now, n, args, out)) return out;
    }
    if (n === 1) return single(ctx, keys, params[0] as LimitParams, cost, take, blockAfter, args, now);
    let ok = true;
    for (let i = 0; i < n; i++) {
      const c = keepCheck(
        i,
        algorithm.check(ctx, keys[i] as string, params[i] as LimitParams, cost, now),
        reused,
      );
      if (!c.allowed) ok = false;
    }
    let status = ok ? 1 : 0;
    let penalty = 0;
    if (ok && take && cost !== 0) {
      for (let i = 0; i < n; i++) {
        const state = (CHECKS[i] as LimitCheck).state;
        algorithm.commit(ctx, keys[i] as string, params[i] as LimitParams, cost, now, state);
      }
    } else if (!ok && take && blockAfter > 0 && cost > 0) {
      penalty = countRejection(ctx, blockKey, now, blockAfter, args);
      if (penalty > 0) status = 2;
    }
    // The reply at its final length: [status, now, 4 per limit, repaired].
    const out: number[] = new Array(4 * n + 3);
    out[0] = status;
    out[1] = now;
    for (let i = 0; i < n; i++) {
      const c = CHECKS[i] as LimitCheck;
      const o = 2 + 4 * i;
      out[o] = (params[i] as LimitParams).limit;
      if (ok) {
        out[o + 1] = c.remTaken;
        out[o + 2] = c.resetTaken;
        out[o + 3] = 0;
      } else {
        let retry = c.retry;
        if (penalty > 0 && retry < penalty) retry = penalty;
        out[o + 1] = c.remNow;
        out[o + 2] = c.resetNow;
        out[o + 3] = retry;
      }
    }
    out[4 * n + 2] = takeRepairs();
    return out;
  };
}

/**
 * A reply number as a number, in V8's small-integer form when it fits: a reply array holding
 * `now` is an array of doubles, and a double stored in a result field makes that field hold a
 * boxed number in every result from then on (measured: 80 bytes more per outcome).
 */
function small(x: unknown): number {
  const n = Number(x);
  return (n | 0) === n ? n | 0 : n;
}

/** Parse the envelope's reply; shared by every adapter. */
export function parseOutcome(reply: Reply): ScriptOutcome {
  if (!Array.isArray(reply) || reply.length < 2) {
    throw new KvError('E_SCRIPT', `unexpected rate-limit script reply: ${JSON.stringify(reply)}`);
  }
  const r = reply as number[];
  // 2 + 4 per limit, then the repair count (absent from replies of scripts before it).
  const repaired = (r.length - 2) % 4 === 1 ? small(r[r.length - 1]) : 0;
  const n = (r.length - 2) >> 2;
  // One limit, the common case: a literal, packed from the start.
  if (n === 1) {
    const limits = [
      { limit: small(r[2]), remaining: small(r[3]), resetAfter: small(r[4]), retryAfter: small(r[5]) },
    ];
    return { status: small(r[0]) as 0 | 1 | 2, now: Number(r[1]), limits, repaired };
  }
  // Sized up front: a list grown by push starts with room for 17.
  const limits: ScriptOutcome['limits'] = new Array(n);
  for (let i = 2, j = 0; i + 3 < r.length; i += 4, j++) {
    limits[j] = {
      limit: small(r[i]),
      remaining: small(r[i + 1]),
      resetAfter: small(r[i + 2]),
      retryAfter: small(r[i + 3]),
    };
  }
  return { status: small(r[0]) as 0 | 1 | 2, now: Number(r[1]), limits, repaired };
}

/** An algorithm with its envelope scripts: what each `scripts/<algorithm>.ts` exports. */
export function defineAlgorithm<N extends string>(spec: AlgorithmSpec<N>): Algorithm<N> {
  const body = `${REPAIR_LUA}\n${spec.lua}\n${ENVELOPE}\n${NOW_LUA}`;
  const run = envelopeTwin(spec);
  return Object.freeze({
    ...spec,
    script: defineScript<ScriptOutcome>({
      name: `ratelimit:${spec.name}`,
      lua: `${body}\n${SINGLE_LUA}`,
      twin: (ctx, keys, args) => run(ctx, keys, args, clockTwin(ctx)),
      parse: parseOutcome,
    }),
    many: defineManyScript(`ratelimit:${spec.name}:many`, body, run, parseOutcome),
  });
}

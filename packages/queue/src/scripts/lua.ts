/**
 * Lua and twin fragments shared by the queue's scripts (no script is defined here). Every
 * script takes the same twelve KEYS, all under one hash tag (see `keys.ts`), and each fragment
 * here has a JavaScript twin beside it doing the same commands in the same order.
 *
 * A job travels as one string, its *body*: `<id>|<priority>|<expireAt>|<attempts>|<deliveries>|
 * <backoffKind>|<backoffMs>|<dedupKey>|<payload>`. Waiting and delayed jobs are members of the
 * ready / delayed sorted sets with their whole body, so an enqueue writes one key and a claim
 * reads one command; a claimed job's body moves to the `jobs` hash (id → body) and its lease is
 * the member `<id>:<token>` of the `active` sorted set, scored by the lease's deadline. Every
 * field before the payload is digits, except the dedup key, which the client percent-encodes
 * (no `|` in it).
 */
import { type ScriptContext, scriptError } from '@raptorflow/core';

/** The twelve KEYS of every queue script, in order; see `keys.ts`. */
export const KEY_NAMES = [
  'seq',
  'ready',
  'delayed',
  'active',
  'jobs',
  'dead',
  'dead-jobs',
  'dedup',
  'completed',
  'results',
  'progress',
  'stats',
] as const;

/** The member of `ready` that marks a paused queue: it sorts first (score -1) and is never a job. */
export const PAUSED_MEMBER: string = '!paused';

/**
 * Added to the sequence counter by a claim that found nothing and will wait: the next enqueue
 * sees it (the counter's INCR passes it), takes it off and tells its client to publish a wake-up.
 * A busy queue pays no command for this.
 */
export const IDLE_FLAG: number = 2 ** 40;

/** Priorities run from 0 to this; higher runs first. */
export const MAX_PRIORITY: number = 1_000_000;

/** The ready set's score: priority first (higher sooner), then the id (FIFO within a priority). */
export function readyScore(priority: number, id: number): number {
  return (MAX_PRIORITY - priority) * 4294967296 + (id % 4294967296);
}

export const LUA_PRELUDE: string = `local FLAG = ${IDLE_FLAG}
local BODY = '^(%d+)|(%d+)|(%d+)|(%d+)|(%d+)|(.*)$'
local function nowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function score(p, id)
  return (${MAX_PRIORITY} - tonumber(p)) * 4294967296 + (tonumber(id) % 4294967296)
end
local function dedupOf(rest)
  return string.match(rest, '^%d+|%d+|([^|]*)|') or ''
end
local function trim(zset, hash, now, keep, age)
  local n = redis.call('ZCARD', zset)
  if n > keep then
    local old = redis.call('ZRANGE', zset, 0, n - keep - 1)
    for _, id in ipairs(old) do
      redis.call('ZREM', zset, id)
      redis.call('HDEL', hash, id)
    end
  end
  if age > 0 then
    local old = redis.call('ZRANGEBYSCORE', zset, '-inf', now - age, 'LIMIT', 0, 100)
    for _, id in ipairs(old) do
      redis.call('ZREM', zset, id)
      redis.call('HDEL', hash, id)
    end
  end
end
local function deadLetter(now, id, reason, msg, body, rest, keep, age)
  redis.call('ZADD', KEYS[6], now, id)
  redis.call('HSET', KEYS[7], id, reason .. '|' .. msg .. '|' .. body)
  local dd = dedupOf(rest)
  if dd ~= '' and redis.call('HGET', KEYS[8], dd) == id then redis.call('HDEL', KEYS[8], dd) end
  trim(KEYS[6], KEYS[7], now, keep, age)
end`;

/** What the twins share: the Lua prelude's functions on the memory store's data. */
export const BODY_RE: RegExp = /^(\d+)\|(\d+)\|(\d+)\|(\d+)\|(\d+)\|([\s\S]*)$/;

/** The parsed fields of a body, as strings (what Lua's captures hold). */
export interface BodyFields {
  readonly id: string;
  readonly priority: string;
  readonly expireAt: string;
  readonly attempts: string;
  readonly deliveries: string;
  readonly rest: string;
}

/** Split a body into its fields; `undefined` when it is not one. */
export function bodyFields(body: string): BodyFields | undefined {
  const m = BODY_RE.exec(body);
  if (!m) return undefined;
  return {
    id: m[1] as string,
    priority: m[2] as string,
    expireAt: m[3] as string,
    attempts: m[4] as string,
    deliveries: m[5] as string,
    rest: m[6] as string,
  };
}

/** Join fields back into a body. */
export function joinBody(f: BodyFields, deliveries: number | string): string {
  return `${f.id}|${f.priority}|${f.expireAt}|${f.attempts}|${deliveries}|${f.rest}`;
}

export function twinNow(ctx: ScriptContext): number {
  const t = ctx.call('TIME') as string[];
  return Number(t[0]) * 1000 + Math.floor(Number(t[1]) / 1000);
}

export function twinScore(p: string, id: string): number {
  return (MAX_PRIORITY - Number(p)) * 4294967296 + (Number(id) % 4294967296);
}

export function twinDedupOf(rest: string): string {
  return /^\d+\|\d+\|([^|]*)\|/.exec(rest)?.[1] ?? '';
}

export function twinTrim(
  ctx: ScriptContext,
  zset: string,
  hash: string,
  now: number,
  keep: number,
  age: number,
): void {
  const n = ctx.call('ZCARD', zset) as number;
  if (n > keep) {
    const old = ctx.call('ZRANGE', zset, 0, n - keep - 1) as string[];
    for (const id of old) {
      ctx.call('ZREM', zset, id);
      ctx.call('HDEL', hash, id);
    }
  }
  if (age > 0) {
    const old = ctx.call('ZRANGEBYSCORE', zset, '-inf', now - age, 'LIMIT', 0, 100) as string[];
    for (const id of old) {
      ctx.call('ZREM', zset, id);
      ctx.call('HDEL', hash, id);
    }
  }
}

export function twinDeadLetter(
  ctx: ScriptContext,
  keys: readonly string[],
  now: number,
  id: string,
  reason: string,
  msg: string,
  body: string,
  rest: string,
  keep: number,
  age: number,
): void {
  ctx.call('ZADD', keys[5] as string, now, id);
  ctx.call('HSET', keys[6] as string, id, `${reason}|${msg}|${body}`);
  const dd = twinDedupOf(rest);
  if (dd !== '' && ctx.call('HGET', keys[7] as string, dd) === id) ctx.call('HDEL', keys[7] as string, dd);
  twinTrim(ctx, keys[5] as string, keys[6] as string, now, keep, age);
}

/**
 * The claim: ARGV[o] (1-based in Lua) packs, `:`-separated (one argument instead of nine: the
 * client's cost per argument is measurable): count, lease ms, token, max deliveries, check
 * timers (1/0), timer batch, will wait (1/0), dead-letter keep, dead-letter age ms.
 * Returns `{now, bodies, dead, reclaimed}`, each of `dead` `<reason>:<id>`.
 *
 * Timers (due delayed jobs, expired leases) are looked at when the caller asks (a worker does
 * every `timerInterval`) and by a claim that found the ready set empty and will wait (a poll:
 * a worker's slot that found nothing in its complete-and-claim ends, and the worker's poll
 * follows at once), so an idle queue always sees them and a busy one pays two commands per
 * interval, not per job. The ready set is popped again only when they moved a job there.
 */
export const LUA_CLAIM: string = `local function promote(now, batch)
  local due = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now, 'LIMIT', 0, batch)
  for _, body in ipairs(due) do
    redis.call('ZREM', KEYS[3], body)
    local id, p = string.match(body, '^(%d+)|(%d+)|')
    if id then redis.call('ZADD', KEYS[2], score(p, id), body)
    else redis.call('HINCRBY', KEYS[12], 'corrupt', 1) end
  end
  return #due
end
local function reclaim(now, batch, maxDeliveries, dead, keep, age)
  local n = 0
  local gone = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', now, 'LIMIT', 0, batch)
  for _, m in ipairs(gone) do
    redis.call('ZREM', KEYS[4], m)
    local id = string.match(m, '^(%d+):')
    local body = id and redis.call('HGET', KEYS[5], id)
    if body then
      redis.call('HDEL', KEYS[5], id)
      redis.call('HDEL', KEYS[11], id)
      local _, p, _, _, d, rest = string.match(body, BODY)
      if not p then redis.call('HINCRBY', KEYS[12], 'corrupt', 1)
      elseif tonumber(d) >= maxDeliveries then
        deadLetter(now, id, 'max-deliveries', '', body, rest, keep, age)
        dead[#dead + 1] = 'max-deliveries:' .. id
      else
        redis.call('ZADD', KEYS[2], score(p, id), body)
        n = n + 1
      end
    end
  end
  return n
end
local function pop(now, count, lease, token, dead, keep, age, out)
  local tries = 0
  while #out < count and tries < 3 do
    tries = tries + 1
    local got = redis.call('ZPOPMIN', KEYS[2], count - #out)
    if #got == 0 then return end
    if got[1] == '${PAUSED_MEMBER}' then
      for j = 1, #got, 2 do redis.call('ZADD', KEYS[2], got[j + 1], got[j]) end
      return
    end
    for j = 1, #got, 2 do
      local body = got[j]
      local id, p, e, a, d, rest = string.match(body, BODY)
      if not id then
        redis.call('HINCRBY', KEYS[12], 'corrupt', 1)
      elseif tonumber(e) > 0 and tonumber(e) <= now then
        deadLetter(now, id, 'expired', '', body, rest, keep, age)
        dead[#dead + 1] = 'expired:' .. id
      else
        local nb = id .. '|' .. p .. '|' .. e .. '|' .. a .. '|' .. (tonumber(d) + 1) .. '|' .. rest
        redis.call('HSET', KEYS[5], id, nb)
        redis.call('ZADD', KEYS[4], now + lease, id .. ':' .. token)
        out[#out + 1] = nb
      end
    end
  end
end
local function claim(now, o)
  local count, lease, token, maxDeliveries, timers, batch, willWait, keep, age =
    string.match(ARGV[o], '^(%d+):(%d+):(%w*):(%d+):([01]):(%d+):([01]):(%d+):(%d+)$')
  if not count then error('bad claim arguments') end
  local out, dead, reclaimed = {}, {}, 0
  count = tonumber(count)
  if count == 0 then return {now, out, dead, 0} end
  lease, maxDeliveries, batch = tonumber(lease), tonumber(maxDeliveries), tonumber(batch)
  keep, age = tonumber(keep), tonumber(age)
  timers = timers == '1'
  if timers then
    promote(now, batch)
    reclaimed = reclaim(now, batch, maxDeliveries, dead, keep, age)
  end
  pop(now, count, lease, token, dead, keep, age, out)
  if #out == 0 and not timers and willWait == '1' then
    local promoted = promote(now, batch)
    reclaimed = reclaim(now, batch, maxDeliveries, dead, keep, age)
    if promoted + reclaimed > 0 then pop(now, count, lease, token, dead, keep, age, out) end
  end
  if #out == 0 and willWait == '1' then
    local s = tonumber(redis.call('GET', KEYS[1]) or '0')
    if s < FLAG then redis.call('INCRBY', KEYS[1], FLAG) end
  end
  return {now, out, dead, reclaimed}
end`;

/** Number of claim arguments; see {@link LUA_CLAIM}. */
export const CLAIM_ARGS: number = 1;

/** The claim's packed argument: `count:lease:token:maxDeliveries:timers:batch:willWait:keep:age`. */
export const CLAIM_ARG_RE: RegExp = /^(\d+):(\d+):([0-9A-Za-z]*):(\d+):([01]):(\d+):([01]):(\d+):(\d+)$/;

function twinPromote(ctx: ScriptContext, keys: readonly string[], now: number, batch: number): number {
  const due = ctx.call('ZRANGEBYSCORE', keys[2] as string, '-inf', now, 'LIMIT', 0, batch) as string[];
  for (const body of due) {
    ctx.call('ZREM', keys[2] as string, body);
    const m = /^(\d+)\|(\d+)\|/.exec(body);
    if (m) ctx.call('ZADD', keys[1] as string, twinScore(m[2] as string, m[1] as string), body);
    else ctx.call('HINCRBY', keys[11] as string, 'corrupt', 1);
  }
  return due.length;
}

function twinReclaim(
  ctx: ScriptContext,
  keys: readonly string[],
  now: number,
  batch: number,
  maxDeliveries: number,
  dead: string[],
  keep: number,
  age: number,
): number {
  let n = 0;
  const gone = ctx.call('ZRANGEBYSCORE', keys[3] as string, '-inf', now, 'LIMIT', 0, batch) as string[];
  for (const m of gone) {
    ctx.call('ZREM', keys[3] as string, m);
    const id = /^(\d+):/.exec(m)?.[1];
    const body = id === undefined ? null : (ctx.call('HGET', keys[4] as string, id) as string | null);
    if (id === undefined || body === null) continue;
    ctx.call('HDEL', keys[4] as string, id);
    ctx.call('HDEL', keys[10] as string, id);
    const f = bodyFields(body);
    if (!f) ctx.call('HINCRBY', keys[11] as string, 'corrupt', 1);
    else if (Number(f.deliveries) >= maxDeliveries) {
      twinDeadLetter(ctx, keys, now, id, 'max-deliveries', '', body, f.rest, keep, age);
      dead.push(`max-deliveries:${id}`);
    } else {
      ctx.call('ZADD', keys[1] as string, twinScore(f.priority, id), body);
      n += 1;
    }
  }
  return n;
}

function twinPop(
  ctx: ScriptContext,
  keys: readonly string[],
  now: number,
  count: number,
  lease: number,
  token: string,
  dead: string[],
  keep: number,
  age: number,
  out: string[],
): void {
  let tries = 0;
  while (out.length < count && tries < 3) {
    tries += 1;
    const got = ctx.call('ZPOPMIN', keys[1] as string, count - out.length) as string[];
    if (got.length === 0) return;
    if (got[0] === PAUSED_MEMBER) {
      for (let j = 0; j < got.length; j += 2)
        ctx.call('ZADD', keys[1] as string, got[j + 1] as string, got[j] as string);
      return;
    }
    for (let j = 0; j < got.length; j += 2) {
      const body = got[j] as string;
      const f = bodyFields(body);
      if (!f) ctx.call('HINCRBY', keys[11] as string, 'corrupt', 1);
      else if (Number(f.expireAt) > 0 && Number(f.expireAt) <= now) {
        twinDeadLetter(ctx, keys, now, f.id, 'expired', '', body, f.rest, keep, age);
        dead.push(`expired:${f.id}`);
      } else {
        const nb = joinBody(f, Number(f.deliveries) + 1);
        ctx.call('HSET', keys[4] as string, f.id, nb);
        ctx.call('ZADD', keys[3] as string, now + lease, `${f.id}:${token}`);
        out.push(nb);
      }
    }
  }
}

/** The twin of {@link LUA_CLAIM}'s `claim(now, o)`; `o` is the 0-based index of its first ARGV. */
export function twinClaim(
  ctx: ScriptContext,
  keys: readonly string[],
  args: readonly string[],
  now: number,
  o: number,
): [number, string[], string[], number] {
  const m = CLAIM_ARG_RE.exec(args[o] ?? '');
  if (!m) throw scriptError('queue-claim', 'bad claim arguments');
  const count = Number(m[1]);
  const out: string[] = [];
  const dead: string[] = [];
  let reclaimed = 0;
  if (count === 0) return [now, out, dead, 0];
  const lease = Number(m[2]);
  const token = m[3] as string;
  const maxDeliveries = Number(m[4]);
  const batch = Number(m[6]);
  const keep = Number(m[8]);
  const age = Number(m[9]);
  const timers = m[5] === '1';
  if (timers) {
    twinPromote(ctx, keys, now, batch);
    reclaimed = twinReclaim(ctx, keys, now, batch, maxDeliveries, dead, keep, age);
  }
  twinPop(ctx, keys, now, count, lease, token, dead, keep, age, out);
  if (out.length === 0 && !timers && m[7] === '1') {
    const promoted = twinPromote(ctx, keys, now, batch);
    reclaimed = twinReclaim(ctx, keys, now, batch, maxDeliveries, dead, keep, age);
    if (promoted + reclaimed > 0) twinPop(ctx, keys, now, count, lease, token, dead, keep, age, out);
  }
  if (out.length === 0 && m[7] === '1') {
    const s = Number((ctx.call('GET', keys[0] as string) as string | null) ?? '0');
    if (s < IDLE_FLAG) ctx.call('INCRBY', keys[0] as string, IDLE_FLAG);
  }
  return [now, out, dead, reclaimed];
}

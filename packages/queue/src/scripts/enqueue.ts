import { defineScript, type Reply, type Script, scriptError } from '@raptorflow/core';
import { LUA_PRELUDE, readyScore, twinNow } from './lua.js';
import { replyArray, replyInteger } from './reply.js';

const NAME = 'queue-enqueue';

/** A job's header argument; see {@link encodeEnqueueArgs}. */
const HEADER_RE = /^(\d+)\|(\d+)\|(\d+)\|(\d+)\|([01])\|(\d+)\|([^|]*)$/;

/** One job for {@link ENQUEUE}, every number a whole number the caller checked. */
export interface EnqueueInput {
  readonly priority: number;
  readonly delayMs: number;
  readonly ttlMs: number;
  readonly attempts: number;
  /** 0 fixed, 1 exponential. */
  readonly backoffKind: 0 | 1;
  readonly backoffMs: number;
  /** Percent-encoded (no `|`), or `''`. */
  readonly dedup: string;
  readonly payload: string;
}

/** What {@link ENQUEUE} returns. */
export interface EnqueueReply {
  /** A claim found the queue empty since the last enqueue: publish a wake-up. */
  readonly wake: boolean;
  /** Per job: its id, and whether it already existed (a dedup key that was taken). */
  readonly jobs: ReadonlyArray<{ readonly id: string; readonly existed: boolean }>;
}

/**
 * Add jobs (one or many, in order) to a queue.
 *
 * - KEYS: the twelve of every queue script (uses seq, ready, delayed, dedup).
 * - ARGV: `1` when a job has a delay or a TTL (then TIME is read), then two per job: its header
 *   `<priority>|<delay ms>|<TTL ms>|<attempts>|<backoff kind>|<backoff ms>|<dedup key>` (one
 *   argument, not seven: the client's cost per argument is measurable) and its payload.
 * - Reply: `{wake, id1, existed1, id2, existed2, ...}`.
 *
 * The ids come from the sequence counter (one INCRBY for the call's new jobs, handed out in
 * order), which also orders a priority FIFO. A dedup key that maps to a job (or to an earlier
 * job of the same call) returns that job's id and writes nothing. Server commands per call
 * with no delay, TTL or dedup key: INCRBY and one ZADD of all its jobs (one per 500).
 */
const LUA = `${LUA_PRELUDE}
local function addAll(cmd, key, list)
  for s = 1, #list, 1000 do redis.call(cmd, key, unpack(list, s, math.min(s + 999, #list))) end
end
local now = 0
if ARGV[1] == '1' then now = nowMs() end
local out = {0}
local jobs, first, fresh = {}, {}, 0
for i = 2, #ARGV, 2 do
  local p, delay, ttl, a, k, b, dd = string.match(ARGV[i], '^(%d+)|(%d+)|(%d+)|(%d+)|([01])|(%d+)|([^|]*)$')
  if not p then error('bad job header') end
  local j = {p = p, delay = tonumber(delay), ttl = tonumber(ttl), a = a, k = k, b = b, dd = dd, payload = ARGV[i + 1]}
  if dd ~= '' then
    if first[dd] then j.dup = first[dd]
    else
      j.existing = redis.call('HGET', KEYS[8], dd)
      if not j.existing then first[dd] = j end
    end
  end
  if not j.existing and not j.dup then fresh = fresh + 1 end
  jobs[#jobs + 1] = j
end
local n = 0
if fresh > 0 then
  n = redis.call('INCRBY', KEYS[1], fresh)
  if n > FLAG then
    redis.call('DECRBY', KEYS[1], FLAG)
    n = n - FLAG
    out[1] = 1
  end
  n = n - fresh
end
local ready, delayed, dedup = {}, {}, {}
for _, j in ipairs(jobs) do
  if j.existing then
    out[#out + 1] = j.existing
    out[#out + 1] = 1
  elseif j.dup then
    out[#out + 1] = j.dup.id
    out[#out + 1] = 1
  else
    n = n + 1
    local id = tostring(n)
    j.id = id
    local exp = '0'
    if j.ttl > 0 then exp = tostring(now + j.ttl) end
    local body = id .. '|' .. j.p .. '|' .. exp .. '|' .. j.a .. '|0|' .. j.k .. '|' .. j.b .. '|' .. j.dd .. '|' .. j.payload
    if j.delay > 0 then
      delayed[#delayed + 1] = now + j.delay
      delayed[#delayed + 1] = body
    else
      ready[#ready + 1] = score(j.p, id)
      ready[#ready + 1] = body
    end
    if j.dd ~= '' then
      dedup[#dedup + 1] = j.dd
      dedup[#dedup + 1] = id
    end
    out[#out + 1] = id
    out[#out + 1] = 0
  end
end
addAll('ZADD', KEYS[2], ready)
addAll('ZADD', KEYS[3], delayed)
addAll('HSET', KEYS[8], dedup)
return out`;

/** The enqueue script; see the Lua above and {@link encodeEnqueueArgs}. */
export const ENQUEUE: Script<EnqueueReply> = defineScript({
  name: NAME,
  keys: 12,
  lua: LUA,
  twin: (ctx, keys, args) => {
    const addAll = (cmd: string, key: string, list: Array<string | number>): void => {
      for (let s = 0; s < list.length; s += 1000) ctx.call(cmd, key, ...list.slice(s, s + 1000));
    };
    let now = 0;
    if (args[0] === '1') now = twinNow(ctx);
    const out: Array<string | number> = [0];
    interface Pending {
      h: RegExpExecArray;
      payload: string;
      existing?: string;
      dup?: Pending;
      id?: string;
    }
    const jobs: Pending[] = [];
    const first = new Map<string, Pending>();
    let fresh = 0;
    for (let i = 1; i < args.length; i += 2) {
      const h = HEADER_RE.exec(args[i] as string);
      if (!h) throw scriptError(NAME, 'bad job header');
      const j: Pending = { h, payload: args[i + 1] as string };
      const dd = h[7] as string;
      if (dd !== '') {
        const earlier = first.get(dd);
        if (earlier) j.dup = earlier;
        else {
          const existing = ctx.call('HGET', keys[7] as string, dd) as string | null;
          if (existing !== null) j.existing = existing;
          else first.set(dd, j);
        }
      }
      if (j.existing === undefined && j.dup === undefined) fresh += 1;
      jobs.push(j);
    }
    let n = 0;
    if (fresh > 0) {
      n = ctx.call('INCRBY', keys[0] as string, fresh) as number;
      if (n > 2 ** 40) {
        ctx.call('DECRBY', keys[0] as string, 2 ** 40);
        n -= 2 ** 40;
        out[0] = 1;
      }
      n -= fresh;
    }
    const ready: Array<string | number> = [];
    const delayed: Array<string | number> = [];
    const dedup: string[] = [];
    for (const j of jobs) {
      if (j.existing !== undefined) out.push(j.existing, 1);
      else if (j.dup) out.push(j.dup.id as string, 1);
      else {
        n += 1;
        const id = String(n);
        j.id = id;
        const [, p, delay, ttl, a, k, b, dd] = j.h as unknown as string[];
        const exp = Number(ttl) > 0 ? String(now + Number(ttl)) : '0';
        const body = `${id}|${p}|${exp}|${a}|0|${k}|${b}|${dd}|${j.payload}`;
        if (Number(delay) > 0) delayed.push(now + Number(delay), body);
        else ready.push(readyScore(Number(p), n), body);
        if (dd !== '') dedup.push(dd as string, id);
        out.push(id, 0);
      }
    }
    addAll('ZADD', keys[1] as string, ready);
    addAll('ZADD', keys[2] as string, delayed);
    addAll('HSET', keys[7] as string, dedup);
    return out;
  },
  parse: parseEnqueueReply,
});

/** ARGV of {@link ENQUEUE}. */
export function encodeEnqueueArgs(jobs: readonly EnqueueInput[]): string[] {
  const args: string[] = [jobs.some((j) => j.delayMs > 0 || j.ttlMs > 0) ? '1' : '0'];
  for (const j of jobs) {
    args.push(
      `${j.priority}|${j.delayMs}|${j.ttlMs}|${j.attempts}|${j.backoffKind}|${j.backoffMs}|${j.dedup}`,
      j.payload,
    );
  }
  return args;
}

/** The reply of {@link ENQUEUE}. */
export function parseEnqueueReply(reply: Reply): EnqueueReply {
  const [wake, ...rest] = replyArray(NAME, reply);
  const jobs: Array<{ id: string; existed: boolean }> = [];
  for (let i = 0; i < rest.length; i += 2) {
    jobs.push({ id: String(rest[i]), existed: replyInteger(NAME, rest[i + 1]) === 1 });
  }
  return { wake: replyInteger(NAME, wake) === 1, jobs };
}

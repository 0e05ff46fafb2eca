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
 * The id is the sequence counter (INCR), which also orders a priority FIFO. A dedup key that
 * maps to a job returns that job's id and writes nothing. Server commands per job with no
 * delay, TTL or dedup key: INCR and ZADD.
 */
const LUA = `${LUA_PRELUDE}
local now = 0
if ARGV[1] == '1' then now = nowMs() end
local out = {0}
for i = 2, #ARGV, 2 do
  local p, delay, ttl, a, k, b, dd = string.match(ARGV[i], '^(%d+)|(%d+)|(%d+)|(%d+)|([01])|(%d+)|([^|]*)$')
  if not p then error('bad job header') end
  delay, ttl = tonumber(delay), tonumber(ttl)
  local existing = false
  if dd ~= '' then existing = redis.call('HGET', KEYS[8], dd) end
  if existing then
    out[#out + 1] = existing
    out[#out + 1] = 1
  else
    local n = redis.call('INCR', KEYS[1])
    if n > FLAG then
      redis.call('DECRBY', KEYS[1], FLAG)
      n = n - FLAG
      out[1] = 1
    end
    local id = tostring(n)
    local exp = '0'
    if ttl > 0 then exp = tostring(now + ttl) end
    local body = id .. '|' .. p .. '|' .. exp .. '|' .. a .. '|0|' .. k .. '|' .. b .. '|' .. dd .. '|' .. ARGV[i + 1]
    if delay > 0 then redis.call('ZADD', KEYS[3], now + delay, body)
    else redis.call('ZADD', KEYS[2], score(p, id), body) end
    if dd ~= '' then redis.call('HSET', KEYS[8], dd, id) end
    out[#out + 1] = id
    out[#out + 1] = 0
  end
end
return out`;

/** The enqueue script; see the Lua above and {@link encodeEnqueueArgs}. */
export const ENQUEUE: Script<EnqueueReply> = defineScript({
  name: NAME,
  keys: 12,
  lua: LUA,
  twin: (ctx, keys, args) => {
    let now = 0;
    if (args[0] === '1') now = twinNow(ctx);
    const out: Array<string | number> = [0];
    for (let i = 1; i < args.length; i += 2) {
      const h = HEADER_RE.exec(args[i] as string);
      if (!h) throw scriptError(NAME, 'bad job header');
      const p = h[1] as string;
      const delay = Number(h[2]);
      const ttl = Number(h[3]);
      const dd = h[7] as string;
      let existing: string | null = null;
      if (dd !== '') existing = ctx.call('HGET', keys[7] as string, dd) as string | null;
      if (existing !== null) {
        out.push(existing, 1);
        continue;
      }
      let n = ctx.call('INCR', keys[0] as string) as number;
      if (n > 2 ** 40) {
        ctx.call('DECRBY', keys[0] as string, 2 ** 40);
        n -= 2 ** 40;
        out[0] = 1;
      }
      const id = String(n);
      const exp = ttl > 0 ? String(now + ttl) : '0';
      const body = `${id}|${p}|${exp}|${h[4]}|0|${h[5]}|${h[6]}|${dd}|${args[i + 1]}`;
      if (delay > 0) ctx.call('ZADD', keys[2] as string, now + delay, body);
      else ctx.call('ZADD', keys[1] as string, readyScore(Number(p), n), body);
      if (dd !== '') ctx.call('HSET', keys[7] as string, dd, id);
      out.push(id, 0);
    }
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

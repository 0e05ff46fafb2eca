import { defineScript, type Reply, type Script } from '@raptorflow/core';
import { bodyFields, joinBody, LUA_PRELUDE, twinDeadLetter, twinNow, twinScore } from './lua.js';
import { replyArray, replyInteger } from './reply.js';

const NAME = 'queue-fail';

/** What to do with a job whose handler did not complete it. */
export type FailMode =
  /** Retry (after `delayMs`) while its deliveries are below its attempts, else dead-letter it. */
  | 'retry'
  /** Dead-letter it now (a payload that fails its schema, a handler's `DeadLetter`). */
  | 'dead'
  /** Put it back to ready at once, its delivery not counted (a worker shutting down). */
  | 'release';

/** What failing a job needs. */
export interface FailInput {
  readonly member: string;
  readonly mode: FailMode;
  readonly delayMs: number;
  /** The dead letter's reason, a word without `|` (`failed`, `invalid-payload`, `timeout`...). */
  readonly reason: string;
  /** The error message, percent-encoded (no `|`). */
  readonly message: string;
  readonly hasProgress: boolean;
  readonly deadKeep: number;
  readonly deadAgeMs: number;
}

/** What {@link FAIL} returns. */
export interface FailReply {
  /** `stale`: the lease was not this token's any more; nothing was changed. */
  readonly outcome: 'retried' | 'delayed' | 'dead' | 'released' | 'stale';
  /** The store's time of the call, ms. */
  readonly now: number;
}

/**
 * Fail, retry or release a job, token-checked like a completion.
 *
 * - KEYS: the twelve of every queue script.
 * - ARGV: member, mode, delay ms, reason, message, has progress, dead keep, dead age ms.
 * - Reply: `{outcome, now}`.
 *
 * A retry keeps the job's id, priority and place (its ready score), and its delivery count: a
 * job retries while deliveries < attempts.
 */
const LUA = `${LUA_PRELUDE}
local now = nowMs()
if redis.call('ZREM', KEYS[4], ARGV[1]) == 0 then
  redis.call('HINCRBY', KEYS[12], 'stale', 1)
  return {'stale', now}
end
local id = string.match(ARGV[1], '^(%d+):')
local body = redis.call('HGET', KEYS[5], id)
redis.call('HDEL', KEYS[5], id)
if ARGV[6] == '1' then redis.call('HDEL', KEYS[11], id) end
if not body then return {'stale', now} end
local _, p, e, a, d, rest = string.match(body, BODY)
local mode, delay = ARGV[2], tonumber(ARGV[3])
if mode == 'release' then
  local nb = id .. '|' .. p .. '|' .. e .. '|' .. a .. '|' .. math.max(tonumber(d) - 1, 0) .. '|' .. rest
  redis.call('ZADD', KEYS[2], score(p, id), nb)
  return {'released', now}
end
if mode == 'retry' and tonumber(d) < tonumber(a) then
  if delay > 0 then
    redis.call('ZADD', KEYS[3], now + delay, body)
    return {'delayed', now}
  end
  redis.call('ZADD', KEYS[2], score(p, id), body)
  return {'retried', now}
end
deadLetter(now, id, ARGV[4], ARGV[5], body, rest, tonumber(ARGV[7]), tonumber(ARGV[8]))
return {'dead', now}`;

/** The fail script; see the Lua above. */
export const FAIL: Script<FailReply> = defineScript({
  name: NAME,
  keys: 12,
  lua: LUA,
  twin: (ctx, keys, args) => {
    const now = twinNow(ctx);
    if (ctx.call('ZREM', keys[3] as string, args[0] as string) === 0) {
      ctx.call('HINCRBY', keys[11] as string, 'stale', 1);
      return ['stale', now];
    }
    const id = /^(\d+):/.exec(args[0] as string)?.[1] as string;
    const body = ctx.call('HGET', keys[4] as string, id) as string | null;
    ctx.call('HDEL', keys[4] as string, id);
    if (args[5] === '1') ctx.call('HDEL', keys[10] as string, id);
    if (body === null) return ['stale', now];
    const f = bodyFields(body);
    if (!f) throw new Error('unreachable: a claimed body always parses');
    const mode = args[1];
    const delay = Number(args[2]);
    if (mode === 'release') {
      ctx.call(
        'ZADD',
        keys[1] as string,
        twinScore(f.priority, id),
        joinBody(f, Math.max(Number(f.deliveries) - 1, 0)),
      );
      return ['released', now];
    }
    if (mode === 'retry' && Number(f.deliveries) < Number(f.attempts)) {
      if (delay > 0) {
        ctx.call('ZADD', keys[2] as string, now + delay, body);
        return ['delayed', now];
      }
      ctx.call('ZADD', keys[1] as string, twinScore(f.priority, id), body);
      return ['retried', now];
    }
    twinDeadLetter(
      ctx,
      keys,
      now,
      id,
      args[3] as string,
      args[4] as string,
      body,
      f.rest,
      Number(args[6]),
      Number(args[7]),
    );
    return ['dead', now];
  },
  parse: parseFailReply,
});

/** ARGV of {@link FAIL}. */
export function encodeFailArgs(f: FailInput): string[] {
  return [
    f.member,
    f.mode,
    String(f.delayMs),
    f.reason,
    f.message,
    f.hasProgress ? '1' : '0',
    String(f.deadKeep),
    String(f.deadAgeMs),
  ];
}

const OUTCOMES = new Set(['retried', 'delayed', 'dead', 'released', 'stale']);

/** The reply of {@link FAIL}. */
export function parseFailReply(reply: Reply): FailReply {
  const [outcome, now] = replyArray(NAME, reply);
  if (typeof outcome !== 'string' || !OUTCOMES.has(outcome)) {
    throw new Error(`script ${NAME}: unexpected outcome ${String(outcome)}`);
  }
  return { outcome: outcome as FailReply['outcome'], now: replyInteger(NAME, now) };
}

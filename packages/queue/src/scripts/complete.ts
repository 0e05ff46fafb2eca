import { defineScript, type Reply, type Script } from '@raptorflow/core';
import { type ClaimReply, parseClaimReply } from './claim.js';
import { CLAIM_ARGS, LUA_CLAIM, LUA_PRELUDE, twinClaim, twinNow, twinTrim } from './lua.js';
import { replyArray, replyInteger } from './reply.js';

const NAME = 'queue-complete';

/** What completing a job needs. */
export interface CompleteInput {
  /** The lease: `<id>:<token>`. */
  readonly member: string;
  /** The job's dedup key (percent-encoded) or `''`: freed when it still maps to this job. */
  readonly dedup: string;
  /** The job reported progress: its entry is deleted. */
  readonly hasProgress: boolean;
  /** Completed jobs kept (0: none, and no result stored), and their maximum age in ms (0: none). */
  readonly keep: number;
  readonly ageMs: number;
  /** The result to store when completed jobs are kept. */
  readonly result: string;
}

/** What {@link COMPLETE} returns. */
export interface CompleteReply {
  /** `false`: the lease was not this token's any more (a stale token; nothing was changed). */
  readonly completed: boolean;
  /** The next jobs claimed in the same call (none when the claim count was 0). */
  readonly next: ClaimReply;
}

/**
 * Complete a job, token-checked, and claim the next ones in the same round trip.
 *
 * - KEYS: the twelve of every queue script.
 * - ARGV: member, dedup key, `<has progress 1/0>:<keep>:<age ms>`, result, then the claim's.
 * - Reply: `{completed, now, bodies, dead, reclaimed}`.
 *
 * The lease check is the ZREM of `<id>:<token>` from the active set: it succeeds only for the
 * holder of a live or not yet reclaimed lease. A stale token changes nothing and is counted
 * (`stale` in the stats hash). Kept completions are a sorted set id → time: a ZADD that finds
 * the id already there is counted as `duplicate` (the proof's check that nothing runs twice).
 */
const LUA = `${LUA_PRELUDE}
${LUA_CLAIM}
local now = nowMs()
local id = string.match(ARGV[1], '^(%d+):') or ''
local ok = 0
if redis.call('ZREM', KEYS[4], ARGV[1]) == 1 then
  ok = 1
  redis.call('HDEL', KEYS[5], id)
  if ARGV[2] ~= '' and redis.call('HGET', KEYS[8], ARGV[2]) == id then redis.call('HDEL', KEYS[8], ARGV[2]) end
  local progress, keep, age = string.match(ARGV[3], '^([01]):(%d+):(%d+)$')
  if progress == '1' then redis.call('HDEL', KEYS[11], id) end
  keep = tonumber(keep)
  if keep > 0 then
    if redis.call('ZADD', KEYS[9], now, id) == 0 then redis.call('HINCRBY', KEYS[12], 'duplicate', 1) end
    redis.call('HSET', KEYS[10], id, ARGV[4])
    trim(KEYS[9], KEYS[10], now, keep, tonumber(age))
  end
else
  redis.call('HINCRBY', KEYS[12], 'stale', 1)
end
local c = claim(now, 5)
return {ok, c[1], c[2], c[3], c[4]}`;

/** The complete(-and-claim-next) script; see the Lua above. */
export const COMPLETE: Script<CompleteReply> = defineScript({
  name: NAME,
  keys: 12,
  lua: LUA,
  twin: (ctx, keys, args) => {
    const now = twinNow(ctx);
    const id = /^(\d+):/.exec(args[0] as string)?.[1] ?? '';
    let ok = 0;
    if (ctx.call('ZREM', keys[3] as string, args[0] as string) === 1) {
      ok = 1;
      ctx.call('HDEL', keys[4] as string, id);
      if (args[1] !== '' && ctx.call('HGET', keys[7] as string, args[1] as string) === id)
        ctx.call('HDEL', keys[7] as string, args[1] as string);
      const [progress, keepArg, age] = (args[2] as string).split(':');
      if (progress === '1') ctx.call('HDEL', keys[10] as string, id);
      const keep = Number(keepArg);
      if (keep > 0) {
        if (ctx.call('ZADD', keys[8] as string, now, id) === 0)
          ctx.call('HINCRBY', keys[11] as string, 'duplicate', 1);
        ctx.call('HSET', keys[9] as string, id, args[3] as string);
        twinTrim(ctx, keys[8] as string, keys[9] as string, now, keep, Number(age));
      }
    } else {
      ctx.call('HINCRBY', keys[11] as string, 'stale', 1);
    }
    const c = twinClaim(ctx, keys, args, now, 4);
    return [ok, ...c];
  },
  parse: parseCompleteReply,
});

/** ARGV of {@link COMPLETE}: the completion, then the claim's (a claim of 0 claims nothing). */
export function encodeCompleteArgs(c: CompleteInput, claimArgs: readonly string[]): string[] {
  if (claimArgs.length !== CLAIM_ARGS) throw new Error('claim arguments out of step with the Lua');
  return [c.member, c.dedup, `${c.hasProgress ? 1 : 0}:${c.keep}:${c.ageMs}`, c.result, ...claimArgs];
}

/** The reply of {@link COMPLETE}. */
export function parseCompleteReply(reply: Reply): CompleteReply {
  const [ok, ...rest] = replyArray(NAME, reply);
  return { completed: replyInteger(NAME, ok) === 1, next: parseClaimReply(NAME, rest) };
}

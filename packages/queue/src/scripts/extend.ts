import { defineScript, type Reply, type Script } from '@raptorflow/core';
import { LUA_PRELUDE, twinNow } from './lua.js';
import { replyArray, replyInteger } from './reply.js';

const NAME = 'queue-extend';

/** What {@link EXTEND} returns. */
export interface ExtendReply {
  /** The store's time of the call, ms. */
  readonly now: number;
  /** Indexes (0-based, in the order given) of the leases that were no longer held. */
  readonly lost: readonly number[];
}

/**
 * Renew many leases of one worker in one call: each `<id>:<token>` still in the active set
 * gets a deadline of now + lease ms; the others are reported lost (never re-created).
 *
 * - KEYS: the twelve of every queue script (uses active).
 * - ARGV: lease ms, then the members.
 * - Reply: `{now, lostIndex...}` (1-based in the reply, as Lua counts).
 */
const LUA = `${LUA_PRELUDE}
local now = nowMs()
local deadline = now + tonumber(ARGV[1])
local out = {now}
for i = 2, #ARGV do
  if redis.call('ZSCORE', KEYS[4], ARGV[i]) then redis.call('ZADD', KEYS[4], deadline, ARGV[i])
  else out[#out + 1] = i - 1 end
end
return out`;

/** The batched lease renewal; see the Lua above. */
export const EXTEND: Script<ExtendReply> = defineScript({
  name: NAME,
  keys: 12,
  lua: LUA,
  twin: (ctx, keys, args) => {
    const now = twinNow(ctx);
    const deadline = now + Number(args[0]);
    const out = [now];
    for (let i = 1; i < args.length; i++) {
      if (ctx.call('ZSCORE', keys[3] as string, args[i] as string) !== null)
        ctx.call('ZADD', keys[3] as string, deadline, args[i] as string);
      else out.push(i);
    }
    return out;
  },
  parse: parseExtendReply,
});

/** ARGV of {@link EXTEND}. */
export function encodeExtendArgs(leaseMs: number, members: readonly string[]): string[] {
  return [String(leaseMs), ...members];
}

/** The reply of {@link EXTEND}. */
export function parseExtendReply(reply: Reply): ExtendReply {
  const [now, ...lost] = replyArray(NAME, reply);
  return { now: replyInteger(NAME, now), lost: lost.map((i) => replyInteger(NAME, i) - 1) };
}

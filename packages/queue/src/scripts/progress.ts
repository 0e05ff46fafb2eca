import { defineScript, type Reply, type Script } from '@raptorflow/core';
import { replyInteger } from './reply.js';

const NAME = 'queue-progress';

/**
 * Store a job's progress, token-checked: only the lease holder writes it.
 *
 * - KEYS: the twelve of every queue script (uses active, progress, stats).
 * - ARGV: member `<id>:<token>`, the progress (a string).
 * - Reply: 1, or 0 when the lease is not this token's (counted as `stale`).
 */
const LUA = `if not redis.call('ZSCORE', KEYS[4], ARGV[1]) then
  redis.call('HINCRBY', KEYS[12], 'stale', 1)
  return 0
end
redis.call('HSET', KEYS[11], string.match(ARGV[1], '^(%d+):'), ARGV[2])
return 1`;

/** The progress script; see the Lua above. */
export const PROGRESS: Script<boolean> = defineScript({
  name: NAME,
  keys: 12,
  lua: LUA,
  twin: (ctx, keys, args) => {
    if (ctx.call('ZSCORE', keys[3] as string, args[0] as string) === null) {
      ctx.call('HINCRBY', keys[11] as string, 'stale', 1);
      return 0;
    }
    ctx.call('HSET', keys[10] as string, /^(\d+):/.exec(args[0] as string)?.[1] as string, args[1] as string);
    return 1;
  },
  parse: (reply: Reply) => replyInteger(NAME, reply) === 1,
});

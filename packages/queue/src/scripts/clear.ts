import { defineScript, type Reply, type Script } from '@raptorflow/core';
import { PAUSED_MEMBER } from './lua.js';
import { replyInteger } from './reply.js';

/**
 * Delete the waiting and delayed jobs (and their dedup keys); active jobs finish or expire as
 * usual, dead letters and kept completions stay. Reply: how many jobs were deleted.
 */
export const CLEAR: Script<number> = defineScript({
  name: 'queue-clear',
  keys: 12,
  lua: `local paused = redis.call('ZSCORE', KEYS[2], '${PAUSED_MEMBER}')
local n = redis.call('ZCARD', KEYS[2]) + redis.call('ZCARD', KEYS[3])
if paused then n = n - 1 end
redis.call('DEL', KEYS[2], KEYS[3], KEYS[8])
if paused then redis.call('ZADD', KEYS[2], -1, '${PAUSED_MEMBER}') end
return n`,
  twin: (ctx, keys) => {
    const paused = ctx.call('ZSCORE', keys[1] as string, PAUSED_MEMBER);
    let n =
      (ctx.call('ZCARD', keys[1] as string) as number) + (ctx.call('ZCARD', keys[2] as string) as number);
    if (paused !== null) n -= 1;
    ctx.call('DEL', keys[1] as string, keys[2] as string, keys[7] as string);
    if (paused !== null) ctx.call('ZADD', keys[1] as string, -1, PAUSED_MEMBER);
    return n;
  },
  parse: (reply: Reply) => replyInteger('queue-clear', reply),
});

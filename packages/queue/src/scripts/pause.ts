import { defineScript, type Script } from '@raptorflow/core';
import { PAUSED_MEMBER } from './lua.js';
import { replyInteger } from './reply.js';

/**
 * Pause (ARGV[1] = `1`) or resume (`0`) a queue: a member that sorts before every job in the
 * ready set, so a claim pays nothing for the check while the queue runs. Reply: 1 when the state
 * changed.
 */
export const PAUSE: Script<boolean> = defineScript({
  name: 'queue-pause',
  keys: 12,
  lua: `if ARGV[1] == '1' then return redis.call('ZADD', KEYS[2], -1, '${PAUSED_MEMBER}') end
return redis.call('ZREM', KEYS[2], '${PAUSED_MEMBER}')`,
  twin: (ctx, keys, args) =>
    args[0] === '1'
      ? (ctx.call('ZADD', keys[1] as string, -1, PAUSED_MEMBER) as number)
      : (ctx.call('ZREM', keys[1] as string, PAUSED_MEMBER) as number),
  parse: (reply) => replyInteger('queue-pause', reply) === 1,
});

import { defineScript, type Reply, type Script } from '@raptorflow/core';
import { asInteger } from '@raptorflow/core/driver';

/**
 * Give a message the channel's next id and keep it in the channel's replay buffer.
 *
 * - KEYS[1]: the channel's sequence (a string counter), KEYS[2]: its replay buffer (a sorted set
 *   scored by id, members `<id>:<payload>`).
 * - ARGV[1]: the payload, ARGV[2]: how many messages the buffer keeps (>= 1), ARGV[3]: how long
 *   both keys live after the last message, in ms.
 * - Reply: the id, a whole number > 0.
 *
 * The sequence expires with the buffer: after a quiet `retention` ids start again from 1, and a
 * reader that remembers a larger id is told to reset (see `replayAfter`).
 */
const LUA = `local id = redis.call('INCR', KEYS[1])
redis.call('ZADD', KEYS[2], id, id .. ':' .. ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', id - tonumber(ARGV[2]))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return id`;

/** The append script; see the Lua above and {@link encodeAppendArgs}. */
export const APPEND: Script<number> = defineScript({
  name: 'realtime-append',
  keys: 2,
  lua: LUA,
  twin: (ctx, keys, args) => {
    const [seq, log] = keys as [string, string];
    const id = ctx.call('INCR', seq) as number;
    ctx.call('ZADD', log, id, `${id}:${args[0] as string}`);
    ctx.call('ZREMRANGEBYSCORE', log, '-inf', id - Number(args[1]));
    ctx.call('PEXPIRE', seq, args[2] as string);
    ctx.call('PEXPIRE', log, args[2] as string);
    return id;
  },
  parse: parseAppendReply,
});

/** ARGV of {@link APPEND}: the payload, the buffer size and the retention (ms), checked by the caller. */
export function encodeAppendArgs(
  payload: string,
  replay: number,
  retentionMs: number,
): readonly [string, string, string] {
  return [payload, String(replay), String(retentionMs)];
}

/** The reply of {@link APPEND}: the new message's id. */
export function parseAppendReply(reply: Reply): number {
  return asInteger(reply);
}

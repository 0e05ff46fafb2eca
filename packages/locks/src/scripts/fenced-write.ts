import { defineScript, type Reply, type Script, scriptError } from '@raptorflow/core';
import { replyArray, replyInteger } from './reply.js';

const NAME = 'locks-fenced-write';

/** What {@link FENCED_WRITE} returns. */
export interface FencedWriteReply {
  /** The value was written. */
  readonly written: boolean;
  /** The highest fencing token seen for the key, after this call. */
  readonly fence: number;
}

/**
 * Write a value guarded by a fencing token: the write succeeds only if its token is not older
 * than the newest one seen for the key, so a holder that paused past its lock's TTL cannot
 * overwrite its successor's work (Kleppmann, "How to do distributed locking", 2016).
 *
 * - KEYS[1]: a hash `{fence, value}`.
 * - ARGV: the fencing token (a whole number), the value.
 * - Reply: `{1, fence}` when written, `{0, newest fence}` when the token is older.
 *
 * An equal token is accepted: the same holder may write twice.
 */
const LUA = `local raw = redis.call('HGET', KEYS[1], 'fence') or '0'
if not string.match(raw, '^%-?%d+$') then error('fence field is not an integer') end
local last = tonumber(raw)
local fence = tonumber(ARGV[1])
if fence < last then return {0, last} end
redis.call('HSET', KEYS[1], 'fence', ARGV[1], 'value', ARGV[2])
return {1, fence}`;

/** The fenced-write script; see the Lua above. */
export const FENCED_WRITE: Script<FencedWriteReply> = defineScript({
  name: NAME,
  keys: 1,
  lua: LUA,
  twin: (ctx, keys, args) => {
    const key = keys[0] as string;
    const raw = ctx.call('HGET', key, 'fence') ?? '0';
    if (!/^-?\d+$/.test(String(raw))) throw scriptError(NAME, 'fence field is not an integer');
    const last = Number(raw);
    const fence = Number(args[0]);
    if (fence < last) return [0, last];
    ctx.call('HSET', key, 'fence', args[0] as string, 'value', args[1] as string);
    return [1, fence];
  },
  parse: parseFencedWriteReply,
});

/** ARGV of {@link FENCED_WRITE}: the fencing token (checked by the caller) and the value. */
export function encodeFencedWriteArgs(fence: number, value: string): readonly [string, string] {
  return [String(fence), value];
}

/** The reply of {@link FENCED_WRITE}. */
export function parseFencedWriteReply(reply: Reply): FencedWriteReply {
  const [written, fence] = replyArray(NAME, reply);
  return { written: replyInteger(NAME, written) === 1, fence: replyInteger(NAME, fence) };
}

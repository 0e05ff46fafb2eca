import { defineScript, isKvError, type Reply, type Script } from '@raptorflow/core';
import { asInteger } from '@raptorflow/core/driver';

/** What {@link INCREMENT} returns for a counter. */
export interface IncrementReply {
  /** The count after this increment. */
  readonly count: number;
  /** Time until the counter expires and starts again from 0, in ms (on the store's clock). */
  readonly expiresIn: number;
}

/**
 * Add to a counter that lives for a fixed window from its first increment.
 *
 * - KEYS[1]: the counter.
 * - ARGV[1]: the amount (a whole number; {@link encodeIncrementArgs} makes sure of it), ARGV[2]:
 *   the window, in ms.
 * - Reply: `{count, expiresIn}`, or nil when the key holds something that is not a counter.
 *
 * `pcall` turns INCRBY's error on a foreign value into nil, so the package can raise its own
 * code instead of a generic script error. The window is set once: later increments keep it.
 */
const LUA = `local count = redis.pcall('INCRBY', KEYS[1], ARGV[1])
if type(count) == 'table' then return false end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  ttl = tonumber(ARGV[2])
end
return {count, ttl}`;

/** The counter script; see the Lua above, and {@link encodeIncrementArgs} for its ARGV. */
export const INCREMENT: Script<IncrementReply | null> = defineScript({
  name: 'llm-cache-increment',
  keys: 1,
  lua: LUA,
  // The same steps on the memory store's data and clock, for the memory adapter.
  twin: (ctx, keys, args) => {
    const key = keys[0] as string;
    const count = ctx.pcall('INCRBY', key, args[0] as string);
    if (isKvError(count)) return false;
    let ttl = ctx.call('PTTL', key) as number;
    if (ttl < 0) {
      ctx.call('PEXPIRE', key, args[1] as string);
      ttl = Number(args[1]);
    }
    return [count as number, ttl];
  },
  parse: parseIncrementReply,
});

/** ARGV of {@link INCREMENT}: the amount and the window (ms), both whole numbers the caller checked. */
export function encodeIncrementArgs(by: number, windowMs: number): readonly [string, string] {
  return [String(by), String(windowMs)];
}

/** The reply of {@link INCREMENT}; `null` when the key was not a counter. */
export function parseIncrementReply(reply: Reply): IncrementReply | null {
  if (reply === null) return null;
  const [count = null, expiresIn = null] = reply as Reply[];
  return { count: asInteger(count), expiresIn: asInteger(expiresIn) };
}

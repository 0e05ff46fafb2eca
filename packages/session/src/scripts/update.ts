import { defineScript, type Reply, type Script } from '@raptorflow/core';

/**
 * Merge data fields into a live session, atomically: set some, delete others, touch nothing
 * else (no TTL change, no other field rewritten), so parallel updates of different fields all
 * land (express-session #606 lost them with whole-record writes).
 *
 * - KEYS[1]: the record.
 * - ARGV: the number of fields to set, then their field/value pairs, then the fields to delete.
 * - Reply: 1, or 0 when there is no such session (nothing written: no resurrection).
 */
const LUA = `if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local n = tonumber(ARGV[1])
for i = 2, 2 * n, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
for i = 2 * n + 2, #ARGV do redis.call('HDEL', KEYS[1], ARGV[i]) end
return 1`;

/** The update script; see the Lua above and {@link encodeUpdateArgs}. */
export const UPDATE: Script<boolean> = defineScript({
  name: 'session-update',
  keys: 1,
  lua: LUA,
  twin: (ctx, keys, args) => {
    const record = keys[0] as string;
    if (ctx.call('EXISTS', record) === 0) return 0;
    const n = Number(args[0]);
    for (let i = 1; i < 2 * n; i += 2) ctx.call('HSET', record, args[i] as string, args[i + 1] as string);
    for (let i = 2 * n + 1; i < args.length; i++) ctx.call('HDEL', record, args[i] as string);
    return 1;
  },
  parse: (reply: Reply) => Number(reply) === 1,
});

/** ARGV of {@link UPDATE}: field/value pairs to set, then field names to delete. */
export function encodeUpdateArgs(set: readonly string[], remove: readonly string[]): string[] {
  return [String(set.length / 2), ...set, ...remove];
}

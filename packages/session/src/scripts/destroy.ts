import { defineScript, type Reply, type Script } from '@raptorflow/core';
import { activeOfRecord, LUA_HEAD, LUA_LOAD, loadRecord, recordHead } from './shared.js';

/**
 * Delete a session, its index entry and its member of the tag's active set (see `CREATE`).
 *
 * - KEYS[1]: the record, KEYS[2]: the prefix of the tag's user indexes (see `GET`).
 * - ARGV[1]: the session id.
 * - Reply: 1 when a session was deleted, else 0.
 */
const LUA = `${LUA_LOAD}local v = loadRecord(KEYS[1])
if not v then return 0 end
local _, _, _, _, _, h = string.match(v, ${LUA_HEAD})
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2] .. h, ARGV[1])
redis.call('ZREM', string.sub(KEYS[1], 1, -67) .. 'a', ARGV[1])
return 1`;

/** The destroy script; see the Lua above. */
export const DESTROY: Script<boolean> = defineScript({
  name: 'session-destroy',
  keys: 2,
  lua: LUA,
  twin: (ctx, keys, args) => {
    const v = loadRecord(ctx, keys[0] as string);
    if (v === null) return 0;
    ctx.call('DEL', keys[0] as string);
    ctx.call('ZREM', (keys[1] as string) + recordHead(v).h, args[0] as string);
    ctx.call('ZREM', activeOfRecord(keys[0] as string), args[0] as string);
    return 1;
  },
  parse: (reply: Reply) => Number(reply) === 1,
});

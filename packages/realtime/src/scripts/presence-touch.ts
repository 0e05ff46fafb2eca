import { defineScript, type Reply, type Script } from '@raptorflow/core';
import { asInteger } from '@raptorflow/core/driver';
import { LUA_NOW, twinNow } from './clock.js';

/**
 * Mark a member present now, on the store's clock.
 *
 * - KEYS[1]: the room (a sorted set: member → last seen, ms).
 * - ARGV[1]: the member, ARGV[2]: how long a member stays present without a heartbeat, in ms.
 * - Reply: the store's time, ms.
 *
 * The room itself expires `2 × ttl` after its last heartbeat (a member is still listed at exactly
 * `ttl`), so an abandoned room leaves nothing.
 */
const TOUCH_LUA = `${LUA_NOW}
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('PEXPIRE', KEYS[1], 2 * tonumber(ARGV[2]))
return now`;

/** The heartbeat script; see the Lua above. */
export const PRESENCE_TOUCH: Script<number> = defineScript({
  name: 'realtime-presence-touch',
  keys: 1,
  lua: TOUCH_LUA,
  twin: (ctx, keys, args) => {
    const now = twinNow(ctx);
    ctx.call('ZADD', keys[0] as string, now, args[0] as string);
    ctx.call('PEXPIRE', keys[0] as string, 2 * Number(args[1]));
    return now;
  },
  parse: (reply: Reply) => asInteger(reply),
});

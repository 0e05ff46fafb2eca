import { defineScript, type Reply, type Script } from '@raptorflow/core';
import { replyInteger } from './reply.js';

const NAME = 'locks-extend';

/**
 * Set the TTL of several locks to ARGV[2] ms from now, only when every one still holds the
 * owner's token (ARGV[1]): the kit's `COMPARE_AND_EXTEND` for a multi-resource lock (a
 * single-resource lock uses `COMPARE_AND_EXTEND` itself). All or nothing: one lock lost and
 * none is extended, so a partly lost lock is reported lost rather than half kept.
 *
 * A lock that expired is never re-created here (redis-semaphore #175: a refresher that
 * re-acquired a lock that expired between refreshes hid the loss from its holder).
 * Reply: 1 when extended, 0 when one lock does not hold the token.
 */
const LUA = `for i = 1, #KEYS do
  if redis.call('GET', KEYS[i]) ~= ARGV[1] then return 0 end
end
for i = 1, #KEYS do redis.call('PEXPIRE', KEYS[i], ARGV[2]) end
return 1`;

/** The multi-resource extend script; see the Lua above. */
export const EXTEND: Script<boolean> = defineScript({
  name: NAME,
  lua: LUA,
  twin: (ctx, keys, args) => {
    for (const key of keys) if (ctx.call('GET', key) !== args[0]) return 0;
    for (const key of keys) ctx.call('PEXPIRE', key, args[1] as string);
    return 1;
  },
  parse: (reply: Reply) => replyInteger(NAME, reply) === 1,
});

/** ARGV of {@link EXTEND}: the owner's token and the new TTL in whole ms. */
export function encodeExtendArgs(token: string, ttlMs: number): readonly [string, string] {
  return [token, String(ttlMs)];
}

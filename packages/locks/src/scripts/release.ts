import { defineScript, type Reply, type Script } from '@raptorflow/core';
import { replyArray, replyInteger } from './reply.js';

const NAME = 'locks-release';

/** What {@link RELEASE} returns. */
export interface ReleaseReply {
  /** Locks that held the token and were deleted (fewer than asked: some were lost). */
  readonly released: number;
  /** Someone was waiting for the group: the caller publishes a wake-up. */
  readonly waiters: boolean;
}

/**
 * Release mutexes by their owner's token: the compare-and-delete of the kit's
 * `COMPARE_AND_DELETE`, over several keys, plus the waiters flag of the group so that only a
 * release somebody waits for costs a PUBLISH.
 *
 * - KEYS[1]: the waiters flag; KEYS[2..]: the locks.
 * - ARGV[1]: the owner's token.
 * - Reply: `{released, hadWaiters}`. A lock that holds another token is left alone.
 */
const LUA = `local released = 0
for i = 2, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[1] then
    redis.call('DEL', KEYS[i])
    released = released + 1
  end
end
local waiters = 0
if released > 0 then waiters = redis.call('DEL', KEYS[1]) end
return {released, waiters}`;

/** The release script; see the Lua above. */
export const RELEASE: Script<ReleaseReply> = defineScript({
  name: NAME,
  lua: LUA,
  twin: (ctx, keys, args) => {
    let released = 0;
    for (let i = 1; i < keys.length; i++) {
      if (ctx.call('GET', keys[i] as string) === args[0]) {
        ctx.call('DEL', keys[i] as string);
        released++;
      }
    }
    const waiters = released > 0 ? (ctx.call('DEL', keys[0] as string) as number) : 0;
    return [released, waiters];
  },
  parse: parseReleaseReply,
});

/** ARGV of {@link RELEASE}: the owner's token. */
export function encodeReleaseArgs(token: string): readonly [string] {
  return [token];
}

/** The reply of {@link RELEASE}. */
export function parseReleaseReply(reply: Reply): ReleaseReply {
  const [released, waiters] = replyArray(NAME, reply);
  return { released: replyInteger(NAME, released), waiters: replyInteger(NAME, waiters) === 1 };
}

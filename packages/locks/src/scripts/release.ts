import { defineScript, type Reply, type Script } from '@raptorflow/core';
import { replyArray, replyInteger } from './reply.js';

const NAME = 'locks-release';

/** What {@link RELEASE} returns. */
export interface ReleaseReply {
  /** Locks that held the token and were deleted (fewer than asked: some were lost). */
  readonly released: number;
  /** Someone was waiting for the group: the caller publishes a wake-up. */
  readonly waiters: boolean;
  /** Locks that hold another owner's token (left alone). */
  readonly foreign: number;
}

/**
 * Release mutexes by their owner's token: the compare-and-delete of the kit's
 * `COMPARE_AND_DELETE`, over several keys, plus the waiters flag of the group so that only a
 * release somebody waits for costs a PUBLISH.
 *
 * - KEYS[1]: the waiters flag; KEYS[2..]: the locks.
 * - ARGV[1]: the owner's token.
 * - Reply: `{released, hadWaiters, foreign}`: a lock that holds another token is left alone
 *   and counted in `foreign` (a missing one is in neither count).
 *
 * One GET per lock and one DEL for the released locks and the waiters flag together (redlock's
 * release is GET + DEL too): the flag existed when DEL counts one more key than it released.
 */
const LUA = `local released, foreign, gone = 0, 0, {KEYS[1]}
for i = 2, #KEYS do
  local v = redis.call('GET', KEYS[i])
  if v == ARGV[1] then
    released = released + 1
    gone[released + 1] = KEYS[i]
  elseif v then
    foreign = foreign + 1
  end
end
local waiters = 0
if released > 0 then waiters = redis.call('DEL', unpack(gone)) - released end
return {released, waiters, foreign}`;

/** The release script; see the Lua above. */
export const RELEASE: Script<ReleaseReply> = defineScript({
  name: NAME,
  lua: LUA,
  twin: (ctx, keys, args) => {
    let foreign = 0;
    const gone: string[] = [keys[0] as string];
    for (let i = 1; i < keys.length; i++) {
      const v = ctx.call('GET', keys[i] as string);
      if (v === args[0]) gone.push(keys[i] as string);
      else if (v !== null) foreign++;
    }
    const released = gone.length - 1;
    const waiters = released > 0 ? (ctx.call('DEL', ...gone) as number) - released : 0;
    return [released, waiters, foreign];
  },
  parse: parseReleaseReply,
});

/** ARGV of {@link RELEASE}: the owner's token. */
export function encodeReleaseArgs(token: string): readonly [string] {
  return [token];
}

/** The reply of {@link RELEASE}. */
export function parseReleaseReply(reply: Reply): ReleaseReply {
  const [released, waiters, foreign] = replyArray(NAME, reply);
  return {
    released: replyInteger(NAME, released),
    waiters: replyInteger(NAME, waiters) === 1,
    foreign: replyInteger(NAME, foreign),
  };
}

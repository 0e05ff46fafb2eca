import { defineScript, isKvError, type Reply, type Script } from '@raptorflow/core';
import { replyArray, replyInteger } from './reply.js';

const NAME = 'locks-acquire';

/** What {@link ACQUIRE} returns. */
export type AcquireReply =
  /** Every resource is ours; `fences[i]` is the fencing token of resource `i`. */
  | { readonly acquired: true; readonly fences: readonly number[] }
  /** A resource is held by another owner. */
  | { readonly acquired: false };

/**
 * Take one or more mutexes at once, all or none, and hand out a fencing token for each.
 *
 * - KEYS[1]: the waiters flag of the group (set when a caller that will wait is refused, so a
 *   release knows whether to publish); then one pair per resource: its lock (a string holding
 *   the owner's token, with a TTL) and its fencing counter (never expires).
 * - ARGV: the owner's token, the TTL in ms, `1` when the caller will wait for it (else `0`).
 * - Reply: `{1, fence1, fence2, ...}`, or `{0}` when a resource is held. No remaining TTL in
 *   the reply: PTTL reads Redis's live clock, so it would not replay exactly on the twin, and
 *   the waiter's backoff (at most `maxDelay`) bounds the sleep past an expiry anyway.
 *
 * Two commands per resource when free, `SET NX PX` and `INCR` (redlock's acquire is EXISTS +
 * SET: the fencing token costs nothing more), one when held. All or none without a check
 * before the writes: a refused `SET NX` deletes the locks this call set just before (they did
 * not exist), and an `INCR` that fails on a counter planted by another writer undoes the
 * locks and the counters this call incremented, then replies with that error (Redis does not
 * roll a script back, so the undo is explicit). The fencing counter is INCRed in the same
 * script (Kleppmann's fencing token, 0 extra round trips).
 */
const LUA = `local n = (#KEYS - 1) / 2
for i = 1, n do
  if not redis.call('SET', KEYS[2 * i], ARGV[1], 'NX', 'PX', ARGV[2]) then
    for j = 1, i - 1 do redis.call('DEL', KEYS[2 * j]) end
    if ARGV[3] == '1' then redis.call('SET', KEYS[1], '1', 'PX', ARGV[2]) end
    return {0}
  end
end
local out = {1}
for i = 1, n do
  local fence = redis.pcall('INCR', KEYS[2 * i + 1])
  if type(fence) == 'table' then
    for j = 1, n do redis.call('DEL', KEYS[2 * j]) end
    for j = 1, i - 1 do redis.call('DECR', KEYS[2 * j + 1]) end
    return fence
  end
  out[i + 1] = fence
end
return out`;

/** The acquire script; see the Lua above, {@link acquireKeys} and {@link encodeAcquireArgs}. */
export const ACQUIRE: Script<AcquireReply> = defineScript({
  name: NAME,
  lua: LUA,
  twin: (ctx, keys, args) => {
    const n = (keys.length - 1) / 2;
    const token = args[0] as string;
    const ttl = args[1] as string;
    // keys is 0-based: the pair of resource i (1-based, as in Lua) is at 2i-1, 2i.
    for (let i = 1; i <= n; i++) {
      if (ctx.call('SET', keys[2 * i - 1] as string, token, 'NX', 'PX', ttl) === null) {
        for (let j = 1; j < i; j++) ctx.call('DEL', keys[2 * j - 1] as string);
        if (args[2] === '1') ctx.call('SET', keys[0] as string, '1', 'PX', ttl);
        return [0];
      }
    }
    const out: number[] = [1];
    for (let i = 1; i <= n; i++) {
      const fence = ctx.pcall('INCR', keys[2 * i] as string);
      if (isKvError(fence)) {
        for (let j = 1; j <= n; j++) ctx.call('DEL', keys[2 * j - 1] as string);
        for (let j = 1; j < i; j++) ctx.call('DECR', keys[2 * j] as string);
        // As the Lua returns the pcall's error: the reply is that error, its code kept.
        throw fence;
      }
      out.push(fence as number);
    }
    return out;
  },
  parse: parseAcquireReply,
});

/** KEYS of {@link ACQUIRE}: the waiters flag, then each resource's lock and fencing counter. */
export function acquireKeys(
  waiters: string,
  resources: ReadonlyArray<{ lock: string; fence: string }>,
): string[] {
  const keys = [waiters];
  for (const r of resources) keys.push(r.lock, r.fence);
  return keys;
}

/** ARGV of {@link ACQUIRE}: the owner's token, the TTL in whole ms, whether the caller will wait. */
export function encodeAcquireArgs(
  token: string,
  ttlMs: number,
  willWait: boolean,
): readonly [string, string, string] {
  return [token, String(ttlMs), willWait ? '1' : '0'];
}

/** The reply of {@link ACQUIRE}. */
export function parseAcquireReply(reply: Reply): AcquireReply {
  const [flag, ...rest] = replyArray(NAME, reply);
  if (replyInteger(NAME, flag) === 1)
    return { acquired: true, fences: rest.map((f) => replyInteger(NAME, f)) };
  return { acquired: false };
}

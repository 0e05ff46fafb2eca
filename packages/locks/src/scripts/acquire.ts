import { defineScript, type Reply, type Script, scriptError } from '@raptorflow/core';
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
 * Every check comes before any write: a Lua error (a fencing counter that is not a number)
 * leaves no lock behind, since Redis does not roll a script back. The fencing counter is INCRed
 * in the same script (Kleppmann's fencing token, 0 extra round trips; measured on this machine
 * it costs 2 more server commands and no throughput, shared/research/wave2-facts.md §1).
 */
const LUA = `local n = (#KEYS - 1) / 2
for i = 1, n do
  local lock = KEYS[2 * i]
  if redis.call('EXISTS', lock) == 1 then
    if ARGV[3] == '1' then redis.call('SET', KEYS[1], '1', 'PX', ARGV[2]) end
    return {0}
  end
  local fence = redis.call('GET', KEYS[2 * i + 1])
  if fence and not string.match(fence, '^%-?%d+$') then error('fencing counter is not an integer') end
end
local out = {1}
for i = 1, n do
  out[i + 1] = redis.call('INCR', KEYS[2 * i + 1])
  redis.call('SET', KEYS[2 * i], ARGV[1], 'PX', ARGV[2])
end
return out`;

/** The acquire script; see the Lua above, {@link acquireKeys} and {@link encodeAcquireArgs}. */
export const ACQUIRE: Script<AcquireReply> = defineScript({
  name: NAME,
  lua: LUA,
  twin: (ctx, keys, args) => {
    const n = (keys.length - 1) / 2;
    for (let i = 1; i <= n; i++) {
      const lock = keys[2 * i - 1] as string;
      if (ctx.call('EXISTS', lock) === 1) {
        if (args[2] === '1') ctx.call('SET', keys[0] as string, '1', 'PX', args[1] as string);
        return [0];
      }
      const fence = ctx.call('GET', keys[2 * i] as string);
      // Lua's tonumber: what INCR would refuse, the script refuses first.
      if (fence !== null && !/^-?\d+$/.test(String(fence)))
        throw scriptError(NAME, 'fencing counter is not an integer');
    }
    const out: number[] = [1];
    for (let i = 1; i <= n; i++) {
      // keys is 0-based: the pair of resource i (1-based, as in Lua) is at 2i-1, 2i.
      out.push(ctx.call('INCR', keys[2 * i] as string) as number);
      ctx.call('SET', keys[2 * i - 1] as string, args[0] as string, 'PX', args[1] as string);
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

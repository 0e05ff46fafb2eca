import type { Reply } from '../driver.js';
import { KvError } from '../errors.js';
import { defineScript, type Script } from '../script.js';

/**
 * Issue a fencing token: INCR KEYS[1] and return the new value, an integer that grows with
 * every call. A lock holder sends its token with each write, and the resource refuses a token
 * lower than the highest it has seen, so a holder that paused past its lock's TTL cannot
 * overwrite its successor's work. A lock composes it (acquire, then take a token); keeping it
 * a bare counter keeps it usable for anything that needs a monotonic id.
 *
 * The counter key must never expire or be deleted (no TTL is set here): a counter that starts
 * again at 1 hands out tokens that were already used. A counter key holding a non-integer fails
 * with `E_NOT_A_NUMBER` (INCR's rule). ARGV: none ({@link fencingCounterArgs}).
 */
export const FENCING_COUNTER: Script<number> = defineScript<number>({
  name: 'rf-fencing-counter',
  keys: 1,
  lua: `return redis.call('INCR', KEYS[1])`,
  twin: (ctx, keys) => ctx.call('INCR', keys[0] as string) as number,
  parse: parseToken,
});

/** ARGV of {@link FENCING_COUNTER}: none; here so every primitive script is called the same way. */
export function fencingCounterArgs(): string[] {
  return [];
}

function parseToken(reply: Reply): number {
  // Past 2^53 a JavaScript number can no longer tell consecutive tokens apart: refusing is the
  // only safe answer (it takes 9e15 increments to get there).
  if (typeof reply !== 'number' || !Number.isSafeInteger(reply)) {
    throw new KvError('E_SCRIPT', `script rf-fencing-counter: expected a whole number, got ${String(reply)}`);
  }
  return reply;
}

import type { Reply } from '../driver.js';
import type { Duration } from '../kit/duration.js';
import { defineScript, type Script } from '../script.js';
import { parseActed, stringArg, ttlArg } from './args.js';

/**
 * Set the TTL of KEYS[1] to ARGV[2] ms only when it holds ARGV[1] (a token): extending a lock
 * or a lease that is still ours. The TTL replaces the remaining one (PEXPIRE, from now), it is
 * not added to it. Reply 1 when extended, 0 otherwise; parsed to a boolean. A key of another
 * type fails with `E_WRONG_TYPE` (GET's rule). ARGV: build it with {@link compareAndExtendArgs}.
 */
export const COMPARE_AND_EXTEND: Script<boolean> = defineScript<boolean>({
  name: 'rf-compare-and-extend',
  keys: 1,
  lua: `if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`,
  twin: (ctx, keys, args) => {
    if (ctx.call('GET', keys[0] as string) === args[0]) {
      return ctx.call('PEXPIRE', keys[0] as string, args[1] as string);
    }
    return 0;
  },
  parse: (reply: Reply) => parseActed(reply),
});

/**
 * ARGV of {@link COMPARE_AND_EXTEND}: the token the key must hold and the new TTL (whole ms or
 * a {@link Duration} string, > 0). Bad input is `E_INVALID_ARGUMENT`.
 */
export function compareAndExtendArgs(token: string, ttl: Duration): string[] {
  const where = 'compareAndExtendArgs';
  return [stringArg(where, 'token', token), ttlArg(where, ttl)];
}

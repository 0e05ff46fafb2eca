import type { Reply } from '../driver.js';
import { defineScript, type Script } from '../script.js';
import { parseActed, stringArg } from './args.js';

/**
 * Delete KEYS[1] only when it holds ARGV[1] (a token): releasing a lock or a lease without
 * deleting one that expired and was taken by someone else meanwhile. Reply 1 when deleted, 0
 * otherwise; parsed to a boolean. A key of another type fails with `E_WRONG_TYPE` (GET's rule).
 * ARGV: build it with {@link compareAndDeleteArgs}.
 */
export const COMPARE_AND_DELETE: Script<boolean> = defineScript<boolean>({
  name: 'rf-compare-and-delete',
  keys: 1,
  lua: `if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`,
  twin: (ctx, keys, args) => {
    if (ctx.call('GET', keys[0] as string) === args[0]) return ctx.call('DEL', keys[0] as string);
    return 0;
  },
  parse: (reply: Reply) => parseActed(reply),
});

/** ARGV of {@link COMPARE_AND_DELETE}: the token the key must hold. Not a string: `E_INVALID_ARGUMENT`. */
export function compareAndDeleteArgs(token: string): string[] {
  return [stringArg('compareAndDeleteArgs', 'token', token)];
}

import type { Reply } from '../driver.js';
import type { Duration } from '../kit/duration.js';
import { invalidArgument } from '../kit/options.js';
import { defineScript, type Script, scriptError } from '../script.js';
import { parseActed, stringArg, ttlArg } from './args.js';

const NAME = 'rf-compare-and-set';

/**
 * Set KEYS[1] only when it holds an expected value, or only when it does not exist: the
 * optimistic update (`read → compute → set if unchanged`) and "create if absent" in one script.
 * Reply 1 when the value was written, 0 when the condition failed; parsed to a boolean.
 *
 * ARGV (build it with {@link compareAndSetArgs}, never by hand):
 * 1. mode: `value` (the key must hold ARGV[2]) or `absent` (the key must not exist; ARGV[2] is
 *    ignored). A mode, not a sentinel value: every string, `''` included, is a value a key can
 *    hold, so no string can stand for "absent".
 * 2. expected value,
 * 3. new value,
 * 4. TTL in whole ms, or `''` for none. The write is a plain SET: without a TTL the key ends
 *    up with none, whatever TTL it had (SET's own rule), so a CAS loop passes its TTL each time.
 *
 * In `value` mode a key of another type fails with `E_WRONG_TYPE` (GET's rule); in `absent`
 * mode any existing key, of any type, is "present" and the reply is 0 (SET NX's rule).
 */
export const COMPARE_AND_SET: Script<boolean> = defineScript<boolean>({
  name: NAME,
  keys: 1,
  lua: `local mode, ttl = ARGV[1], ARGV[4]
if mode == 'absent' then
  local ok
  if ttl == '' then ok = redis.call('SET', KEYS[1], ARGV[3], 'NX')
  else ok = redis.call('SET', KEYS[1], ARGV[3], 'PX', ttl, 'NX') end
  if ok then return 1 end
  return 0
end
if mode ~= 'value' then error('unknown mode') end
if redis.call('GET', KEYS[1]) ~= ARGV[2] then return 0 end
if ttl == '' then redis.call('SET', KEYS[1], ARGV[3])
else redis.call('SET', KEYS[1], ARGV[3], 'PX', ttl) end
return 1`,
  twin: (ctx, keys, args) => {
    const key = keys[0] as string;
    const [mode, expected, value = '', ttl = ''] = args;
    const px = ttl === '' ? [] : ['PX', ttl];
    if (mode === 'absent') return ctx.call('SET', key, value, ...px, 'NX') === null ? 0 : 1;
    if (mode !== 'value') throw scriptError(NAME, 'unknown mode');
    if (ctx.call('GET', key) !== expected) return 0;
    ctx.call('SET', key, value, ...px);
    return 1;
  },
  parse: (reply: Reply) => parseActed(reply),
});

/**
 * ARGV of {@link COMPARE_AND_SET}: write `value` when the key holds `expected`, or, with
 * `expected` `null`, only when the key does not exist (`null` is what `get` returns for a
 * missing key, so `compareAndSetArgs(await kv.get(k), next)` is the optimistic update).
 * `ttl` (whole ms or a {@link Duration} string, > 0) is set with the value; without it the key
 * keeps no TTL. Bad input is `E_INVALID_ARGUMENT`.
 */
export function compareAndSetArgs(expected: string | null, value: string, ttl?: Duration): string[] {
  const where = 'compareAndSetArgs';
  if (expected !== null && typeof expected !== 'string') {
    throw invalidArgument(where, 'expected: must be a string, or null for "the key must not exist"');
  }
  const next = stringArg(where, 'value', value);
  const px = ttl === undefined ? '' : ttlArg(where, ttl);
  return expected === null ? ['absent', '', next, px] : ['value', expected, next, px];
}

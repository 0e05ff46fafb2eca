import { expectCode, type SuiteContext } from './context.js';
import {
  COMPARE_AND_DELETE,
  FIXED_WINDOW,
  MIXED_REPLY,
  MOVE_FIELD,
  PCALL_INCR,
  PCALL_PASSTHROUGH,
  SCRIPT_TIME,
  ZADD_RANGE,
} from './scripts.js';

// Keys of one script share the `{t}` hash tag, so the group runs on a Cluster too.

/** Scripts: twins and Lua give the same replies; errors keep their codes. */
export function scriptsGroup(ctx: SuiteContext): void {
  const { describe, it, expect } = ctx.runner;
  describe('scripts', () => {
    it('runs twice (EVALSHA after the first load) and again after a namespace change', async () => {
      const kv = ctx.store();
      expect(await kv.eval(FIXED_WINDOW, ['{t}w'], [2, 60_000])).toEqual([1, 1, 1]);
      expect(await kv.eval(FIXED_WINDOW, ['{t}w'], [2, 60_000])).toEqual([1, 2, 1]);
      expect(await kv.eval(FIXED_WINDOW, ['{t}w'], [2, 60_000])).toEqual([0, 3, 1]);
      const other = kv.namespace('other:');
      expect(await other.eval(FIXED_WINDOW, ['{t}w'], [2, 60_000])).toEqual([1, 1, 1]);
      expect(await kv.get('{t}w')).toBe('3');
      expect(await other.get('{t}w')).toBe('1');
      expect(await kv.pttl('{t}w')).toBeGreaterThan(0);
    });

    it('converts replies with Lua rules: floats truncated, nil ends a table, false is nil', async () => {
      const kv = ctx.store();
      expect(await kv.eval(MIXED_REPLY, ['{t}k'], ['x'])).toEqual([0, 'x', 2, null, 'tail']);
      await kv.set('{t}k', 'v');
      expect(await kv.eval(MIXED_REPLY, ['{t}k'], ['y'])).toEqual([1, 'y', 2, 'v', 'tail']);
    });

    it('compare-and-delete deletes only on a match', async () => {
      const kv = ctx.store();
      await kv.set('{t}lock', 'owner-1');
      expect(await kv.eval(COMPARE_AND_DELETE, ['{t}lock'], ['owner-2'])).toBe(false);
      expect(await kv.get('{t}lock')).toBe('owner-1');
      expect(await kv.eval(COMPARE_AND_DELETE, ['{t}lock'], ['owner-1'])).toBe(true);
      expect(await kv.exists('{t}lock')).toBe(0);
    });

    it("numbers passed to redis.call are converted as Redis 7.0's Lua does (%.17g)", async () => {
      const kv = ctx.store();
      expect(await kv.eval(ZADD_RANGE, ['{t}z'], [0.1, 'a'])).toEqual(['a', '0.15000000000000002']);
      expect(await kv.eval(ZADD_RANGE, ['{t}z'], [1e15, 'b'])).toEqual([
        'a',
        '0.15000000000000002',
        'b',
        '1500000000000000',
      ]);
    });

    it('two keys of one hash tag; a script error is E_SCRIPT and writes nothing after it', async () => {
      const kv = ctx.store();
      await kv.hset('{t}src', { f: 'v' });
      expect(await kv.eval(MOVE_FIELD, ['{t}src', '{t}dst'], ['f', 'x'])).toEqual(['v', 1]);
      expect(await kv.exists('{t}src')).toBe(0);
      expect(await kv.eval(MOVE_FIELD, ['{t}src', '{t}dst'], ['f', 'x'])).toBeNull();
      await expectCode(kv.eval(MOVE_FIELD, ['{t}src', '{t}dst'], ['f', 'boom']), 'E_SCRIPT');
      expect(await kv.hgetall('{t}dst')).toEqual({ f: 'v' });
    });

    it('an error raised by redis.call keeps the command code; pcall returns it', async () => {
      const kv = ctx.store();
      await kv.set('{t}s', 'abc');
      expect(await kv.eval(PCALL_INCR, ['{t}s'], ['1'])).toBe('error');
      expect(await kv.eval(PCALL_INCR, ['{t}n'], ['5'])).toBe(5);
      await kv.hset('{t}h', { f: 'v' });
      await expectCode(kv.eval(COMPARE_AND_DELETE, ['{t}h'], ['x']), 'E_WRONG_TYPE');
      await expectCode(kv.eval(FIXED_WINDOW, ['{t}s'], [1, 1000]), 'E_NOT_A_NUMBER');
      await expectCode(kv.eval(PCALL_PASSTHROUGH, ['{t}s']), 'E_NOT_A_NUMBER');
      expect(await kv.eval(PCALL_PASSTHROUGH, ['{t}p'])).toBe(1);
    });

    it('reads time from the store clock; key count is checked before sending', async () => {
      const kv = ctx.store();
      const seconds = (await kv.eval(SCRIPT_TIME, [], [])) as number;
      const now = await kv.time();
      expect(Math.abs(seconds - Math.floor(now / 1000))).toBeLessThanOrEqual(2);
      await expectCode(kv.eval(FIXED_WINDOW, [], [1, 1000]), 'E_INVALID_ARGUMENT');
      await expectCode(kv.eval(FIXED_WINDOW, ['{t}a', '{t}b'], [1, 1000]), 'E_INVALID_ARGUMENT');
      await expectCode(kv.eval(FIXED_WINDOW, ['{t}a'], [Number.NaN, 1000]), 'E_INVALID_ARGUMENT');
    });
  });
}

import { isKvError } from '../errors.js';
import { createStore } from '../store.js';
import { expectCode, type SuiteContext } from './context.js';

/** Error codes that must be the same on every store. */
export function errorsGroup(ctx: SuiteContext): void {
  const { describe, it, expect } = ctx.runner;
  describe('errors', () => {
    it('capabilities.blocking is false: blocking commands are E_UNSUPPORTED, in batches too', async () => {
      const kv = ctx.store();
      expect(kv.capabilities.blocking).toBe(false);
      // Short timeouts, so a store that ran them would still finish (and fail the test).
      const blocking: Array<[string[], number[]]> = [
        [['BLPOP', 'l', '0.01'], [1]],
        [['brpop', 'l', '0.01'], [1]],
        [
          ['BRPOPLPUSH', 'l', 'm', '0.01'],
          [1, 2],
        ],
        [
          ['BLMOVE', 'l', 'm', 'LEFT', 'RIGHT', '0.01'],
          [1, 2],
        ],
        [['BLMPOP', '0.01', '1', 'l', 'LEFT'], [3]],
        [['BZPOPMIN', 'z', '0.01'], [1]],
        [['BZPOPMAX', 'z', '0.01'], [1]],
        [['BZMPOP', '0.01', '1', 'z', 'MIN'], [3]],
        [['XREAD', 'BLOCK', '10', 'STREAMS', 'x', '$'], [4]],
        [['XREADGROUP', 'GROUP', 'g', 'c', 'block', '10', 'STREAMS', 'x', '>'], [7]],
        [['WAIT', '0', '10'], []],
      ];
      for (const [argv, keys] of blocking) {
        const refused = kv.driver.command({ argv, keys, readonly: false });
        await expectCode(refused, 'E_UNSUPPORTED');
      }
      await kv.rpush('l', 'x');
      const results = await kv.driver.batch([
        { command: { argv: ['BLPOP', 'l', '0.01'], keys: [1], readonly: false } },
        { command: { argv: ['LPOP', 'l'], keys: [1], readonly: false } },
      ]);
      expect(isKvError(results[0], 'E_UNSUPPORTED')).toBe(true);
      expect(results[1]).toBe('x');
    });

    it('E_WRONG_TYPE from every data type', async () => {
      const kv = ctx.store();
      await kv.set('s', 'v');
      await kv.hset('h', { f: 'v' });
      await kv.zadd('z', { member: 'm', score: 1 });
      await kv.rpush('l', 'x');
      await kv.sadd('st', 'x');
      await expectCode(kv.get('h'), 'E_WRONG_TYPE');
      await expectCode(kv.hget('s', 'f'), 'E_WRONG_TYPE');
      await expectCode(kv.lpush('z', 'x'), 'E_WRONG_TYPE');
      await expectCode(kv.zadd('st', { member: 'm', score: 1 }), 'E_WRONG_TYPE');
      await expectCode(kv.sadd('l', 'x'), 'E_WRONG_TYPE');
      await expectCode(kv.incrBy('h', 1), 'E_WRONG_TYPE');
      await expectCode(kv.incrByFloat('z', 1), 'E_WRONG_TYPE');
    });

    it('errors are KvErrors with a stable code and the adapter name', async () => {
      const kv = ctx.store();
      await kv.set('s', 'v');
      const error = await kv.hget('s', 'f').catch((e: unknown) => e);
      expect(isKvError(error, 'E_WRONG_TYPE')).toBe(true);
      expect(error).toBeInstanceOf(Error);
      expect(String((error as Error).message)).toContain('WRONGTYPE');
    });

    it('E_INVALID_ARGUMENT before anything is sent', async () => {
      const kv = ctx.store();
      await expectCode(kv.del([]), 'E_INVALID_ARGUMENT');
      await expectCode(kv.exists([]), 'E_INVALID_ARGUMENT');
      await expectCode(kv.lpush('l', []), 'E_INVALID_ARGUMENT');
      await expectCode(kv.sadd('s', []), 'E_INVALID_ARGUMENT');
      await expectCode(kv.zrem('z', []), 'E_INVALID_ARGUMENT');
      await expectCode(kv.incrBy('n', Number.MAX_SAFE_INTEGER + 2), 'E_INVALID_ARGUMENT');
      await expectCode(kv.zincrBy('z', Number.NaN, 'm'), 'E_INVALID_ARGUMENT');
      await expectCode(kv.zpopmin('z', 1.5), 'E_INVALID_ARGUMENT');
      await expectCode(kv.lrem('l', 0.5, 'x'), 'E_INVALID_ARGUMENT');
      expect(await kv.exists(['l', 's', 'z', 'n'])).toBe(0);
    });

    it('E_NOT_A_NUMBER for arithmetic on non-numbers', async () => {
      const kv = ctx.store();
      await kv.set('s', '12abc');
      await kv.hset('h', { f: '1.5' });
      await expectCode(kv.incrBy('s', 1), 'E_NOT_A_NUMBER');
      await expectCode(kv.incrByFloat('s', 1), 'E_NOT_A_NUMBER');
      await expectCode(kv.hincrBy('h', 'f', 1), 'E_NOT_A_NUMBER');
      expect(await kv.get('s')).toBe('12abc');
    });

    it('a value over capabilities.maxValueBytes is E_VALUE_TOO_LARGE', async () => {
      const kv = ctx.store();
      const max = kv.capabilities.maxValueBytes;
      // The store's own limit when a string that size is affordable in a test.
      if (max <= 16 * 1024 * 1024) {
        await expectCode(kv.set('big', 'x'.repeat(max + 1)), 'E_VALUE_TOO_LARGE');
        await expectCode(kv.set('big', '€'.repeat(Math.floor(max / 3) + 1)), 'E_VALUE_TOO_LARGE');
        expect(await kv.exists('big')).toBe(0);
      }
      // The same guard on a lowered limit, so the check runs on every store.
      const small = createStore({ ...kv.driver, capabilities: { ...kv.capabilities, maxValueBytes: 1000 } });
      await expectCode(small.set('big', 'é'.repeat(501)), 'E_VALUE_TOO_LARGE');
      await expectCode(small.hset('big', { f: 'x'.repeat(1001) }), 'E_VALUE_TOO_LARGE');
      expect(await small.set('ok', 'é'.repeat(500))).toBe(true);
      expect(await kv.exists('big')).toBe(0);
    });
  });
}

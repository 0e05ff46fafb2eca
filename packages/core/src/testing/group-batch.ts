import { isKvError } from '../errors.js';
import { expectCode, type SuiteContext } from './context.js';
import { FIXED_WINDOW } from './scripts.js';

/** Batches: results in order, one failing entry does not stop the others. */
export function batchGroup(ctx: SuiteContext): void {
  const { describe, it, expect } = ctx.runner;
  describe('batch', () => {
    it('runs entries in order and returns their results', async () => {
      const kv = ctx.store();
      const results = await kv
        .batch()
        .set('a', '1')
        .incrBy('a', 2)
        .get('a')
        .mget(['a', 'b', 'c'])
        .hset('h', { f: 'v' })
        .eval(FIXED_WINDOW, ['{t}w'], [5, 60_000])
        .zadd('z', { member: 'm', score: 1.5 })
        .zrangeByScoreWithScores('z', 0, 2)
        .exec();
      expect(results).toEqual([
        true,
        3,
        '3',
        ['3', null, null],
        1,
        [1, 1, 1],
        1,
        [{ member: 'm', score: 1.5 }],
      ]);
      expect(await kv.batch().exec()).toEqual([]);
    });

    it('an error in the middle: the others are still applied, execSettled shows it', async () => {
      const kv = ctx.store();
      await kv.set('s', 'text');
      const batch = kv.batch().set('a', '1').incrBy('s', 1).set('b', '2').hget('s', 'f').get('b');
      expect(batch.length).toBe(5);
      const settled = await batch.execSettled();
      expect(settled.map((s) => s.ok)).toEqual([true, false, true, false, true]);
      const failed = settled[1];
      expect(failed?.ok === false && isKvError(failed.error, 'E_NOT_A_NUMBER')).toBe(true);
      const wrong = settled[3];
      expect(wrong?.ok === false && isKvError(wrong.error, 'E_WRONG_TYPE')).toBe(true);
      expect(settled[4]).toEqual({ ok: true, value: '2' });
      expect(await kv.mget(['a', 'b'])).toEqual(['1', '2']);
    });

    it('exec rejects with the first error, after every entry has run', async () => {
      const kv = ctx.store();
      await kv.set('s', 'text');
      await expectCode(kv.batch().incrBy('s', 1).set('after', 'yes').exec(), 'E_NOT_A_NUMBER');
      expect(await kv.get('after')).toBe('yes');
    });

    it('a bad argument is refused while the batch is built', async () => {
      const kv = ctx.store();
      expect(() => kv.batch().set('k', 'v', { ttl: 0 })).toThrow();
      expect(() => kv.batch().zadd('z', { member: 'm', score: Number.NaN })).toThrow();
    });
  });
}

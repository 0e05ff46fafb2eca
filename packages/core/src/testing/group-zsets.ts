import { expectCode, type SuiteContext } from './context.js';

/** Sorted sets: ordering (ties by member bytes), infinities, exclusive bounds, limits, pops. */
export function zsetsGroup(ctx: SuiteContext): void {
  const { describe, it, expect } = ctx.runner;
  describe('sorted sets', () => {
    it('zadd counts added members (or changed ones with ch); zscore, zcard', async () => {
      const kv = ctx.store();
      expect(
        await kv.zadd('z', [
          { member: 'a', score: 1 },
          { member: 'b', score: 2 },
        ]),
      ).toBe(2);
      expect(
        await kv.zadd('z', [
          { member: 'a', score: 5 },
          { member: 'c', score: 3 },
        ]),
      ).toBe(1);
      expect(
        await kv.zadd(
          'z',
          [
            { member: 'a', score: 6 },
            { member: 'b', score: 2 },
          ],
          { ch: true },
        ),
      ).toBe(1);
      expect(await kv.zscore('z', 'a')).toBe(6);
      expect(await kv.zscore('z', 'missing')).toBeNull();
      expect(await kv.zscore('missing', 'a')).toBeNull();
      expect(await kv.zcard('z')).toBe(3);
      expect(await kv.zcard('missing')).toBe(0);
    });

    it('zadd nx, xx, gt, lt', async () => {
      const kv = ctx.store();
      await kv.zadd('z', { member: 'a', score: 5 });
      expect(await kv.zadd('z', { member: 'a', score: 1 }, { nx: true })).toBe(0);
      expect(await kv.zadd('z', { member: 'b', score: 1 }, { xx: true })).toBe(0);
      expect(await kv.zscore('z', 'b')).toBeNull();
      expect(await kv.zadd('z', { member: 'a', score: 3 }, { gt: true, ch: true })).toBe(0);
      expect(await kv.zadd('z', { member: 'a', score: 7 }, { gt: true, ch: true })).toBe(1);
      expect(await kv.zadd('z', { member: 'a', score: 9 }, { lt: true, ch: true })).toBe(0);
      expect(await kv.zadd('z', { member: 'a', score: 2 }, { lt: true, ch: true })).toBe(1);
      expect(await kv.zscore('z', 'a')).toBe(2);
      expect(await kv.zadd('z', { member: 'n', score: 1 }, { gt: true })).toBe(1);
      await expectCode(kv.zadd('z', { member: 'a', score: 1 }, { nx: true, xx: true }), 'E_INVALID_ARGUMENT');
      await expectCode(kv.zadd('z', { member: 'a', score: 1 }, { gt: true, lt: true }), 'E_INVALID_ARGUMENT');
      await expectCode(kv.zadd('z', { member: 'a', score: Number.NaN }), 'E_INVALID_ARGUMENT');
      await expectCode(kv.zadd('z', []), 'E_INVALID_ARGUMENT');
    });

    it('ties are ordered by member bytes (UTF-8), astral after U+FFFD', async () => {
      const kv = ctx.store();
      const members = ['b', 'a', 'B', '', 'é', '\uFFFD', '😀', 'aa', 'e\u0301'];
      await kv.zadd(
        'z',
        members.map((member) => ({ member, score: 1 })),
      );
      expect(await kv.zrangeByScore('z', 1, 1)).toEqual([
        '',
        'B',
        'a',
        'aa',
        'b',
        'e\u0301',
        'é',
        '\uFFFD',
        '😀',
      ]);
    });

    it('±Infinity scores and exclusive bounds', async () => {
      const kv = ctx.store();
      await kv.zadd('z', [
        { member: 'lo', score: Number.NEGATIVE_INFINITY },
        { member: 'one', score: 1 },
        { member: 'two', score: 2 },
        { member: 'hi', score: Number.POSITIVE_INFINITY },
      ]);
      expect(await kv.zscore('z', 'hi')).toBe(Number.POSITIVE_INFINITY);
      expect(await kv.zscore('z', 'lo')).toBe(Number.NEGATIVE_INFINITY);
      expect(await kv.zrangeByScore('z', Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY)).toEqual([
        'lo',
        'one',
        'two',
        'hi',
      ]);
      expect(await kv.zrangeByScore('z', { exclusive: 1 }, 2)).toEqual(['two']);
      expect(await kv.zrangeByScore('z', 1, { exclusive: 2 })).toEqual(['one']);
      expect(await kv.zrangeByScore('z', { exclusive: 1 }, { exclusive: 2 })).toEqual([]);
      expect(await kv.zrangeByScore('z', { exclusive: Number.NEGATIVE_INFINITY }, 1)).toEqual(['one']);
      expect(await kv.zrangeByScore('z', 3, 1)).toEqual([]);
      expect(await kv.zrangeByScore('missing', 0, 1)).toEqual([]);
      await expectCode(kv.zrangeByScore('z', Number.NaN, 1), 'E_INVALID_ARGUMENT');
    });

    it('zrangeByScore with offset and count, and with scores', async () => {
      const kv = ctx.store();
      await kv.zadd(
        'z',
        [0.1, 1, 1.5, 2, 3].map((score, i) => ({ member: `m${i}`, score })),
      );
      expect(await kv.zrangeByScore('z', 0, 10, { offset: 1, count: 2 })).toEqual(['m1', 'm2']);
      expect(await kv.zrangeByScore('z', 0, 10, { offset: 3 })).toEqual(['m3', 'm4']);
      expect(await kv.zrangeByScore('z', 0, 10, { count: 0 })).toEqual([]);
      expect(await kv.zrangeByScore('z', 0, 10, { offset: 9, count: 1 })).toEqual([]);
      expect(await kv.zrangeByScoreWithScores('z', 0, 1.5)).toEqual([
        { member: 'm0', score: 0.1 },
        { member: 'm1', score: 1 },
        { member: 'm2', score: 1.5 },
      ]);
      await expectCode(kv.zrangeByScore('z', 0, 1, { offset: -1 }), 'E_INVALID_ARGUMENT');
    });

    it('zincrBy, and an increment that would give NaN is E_NOT_A_NUMBER', async () => {
      const kv = ctx.store();
      expect(await kv.zincrBy('z', 0.1, 'a')).toBe(0.1);
      expect(await kv.zincrBy('z', 0.2, 'a')).toBeCloseTo(0.3, 15);
      expect(await kv.zincrBy('z', Number.POSITIVE_INFINITY, 'b')).toBe(Number.POSITIVE_INFINITY);
      await expectCode(kv.zincrBy('z', Number.NEGATIVE_INFINITY, 'b'), 'E_NOT_A_NUMBER');
      expect(await kv.zscore('z', 'b')).toBe(Number.POSITIVE_INFINITY);
    });

    it('zrem and zremRangeByScore; the last member removed deletes the key', async () => {
      const kv = ctx.store();
      await kv.zadd(
        'z',
        [1, 2, 3, 4].map((score) => ({ member: `m${score}`, score })),
      );
      expect(await kv.zrem('z', ['m1', 'nope'])).toBe(1);
      expect(await kv.zremRangeByScore('z', { exclusive: 2 }, 3)).toBe(1);
      expect(await kv.zrangeByScore('z', Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY)).toEqual([
        'm2',
        'm4',
      ]);
      expect(await kv.zrem('missing', 'a')).toBe(0);
      expect(await kv.zremRangeByScore('z', Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY)).toBe(2);
      expect(await kv.exists('z')).toBe(0);
    });

    it('zpopmin pops the lowest members in order; an emptied set disappears', async () => {
      const kv = ctx.store();
      expect(await kv.zpopmin('missing')).toEqual([]);
      await kv.zadd('z', [
        { member: 'b', score: 1 },
        { member: 'a', score: 1 },
        { member: 'c', score: -1 },
      ]);
      expect(await kv.zpopmin('z')).toEqual([{ member: 'c', score: -1 }]);
      expect(await kv.zpopmin('z', 0)).toEqual([]);
      expect(await kv.zpopmin('z', 5)).toEqual([
        { member: 'a', score: 1 },
        { member: 'b', score: 1 },
      ]);
      expect(await kv.exists('z')).toBe(0);
      await expectCode(kv.zpopmin('z', -1), 'E_INVALID_ARGUMENT');
    });

    it('zpopmax pops the highest members, highest first', async () => {
      const kv = ctx.store();
      expect(await kv.zpopmax('missing')).toEqual([]);
      await kv.zadd('z', [
        { member: 'a', score: 1 },
        { member: 'b', score: 1 },
        { member: 'c', score: 5 },
      ]);
      expect(await kv.zpopmax('z')).toEqual([{ member: 'c', score: 5 }]);
      expect(await kv.zpopmax('z', 0)).toEqual([]);
      expect(await kv.zpopmax('z', 5)).toEqual([
        { member: 'b', score: 1 },
        { member: 'a', score: 1 },
      ]);
      expect(await kv.exists('z')).toBe(0);
      await expectCode(kv.zpopmax('z', -1), 'E_INVALID_ARGUMENT');
    });

    it('zrange by rank and by score, reversed and limited; zrevrangeByScore, zcount, zrank', async () => {
      const kv = ctx.store();
      await kv.zadd('z', [
        { member: 'a', score: 1 },
        { member: 'b', score: 2 },
        { member: 'c', score: 3 },
        { member: 'd', score: Number.POSITIVE_INFINITY },
      ]);
      expect(await kv.zrange('z', 0, -1)).toEqual(['a', 'b', 'c', 'd']);
      expect(await kv.zrange('z', 0, 1, { rev: true })).toEqual(['d', 'c']);
      expect(await kv.zrange('z', -2, 100)).toEqual(['c', 'd']);
      expect(await kv.zrange('z', 3, 1)).toEqual([]);
      expect(await kv.zrange('z', 2, { exclusive: Number.POSITIVE_INFINITY }, { by: 'score' })).toEqual([
        'b',
        'c',
      ]);
      // Reversed by score: the higher bound first, as Redis takes it.
      expect(await kv.zrange('z', 3, 1, { by: 'score', rev: true, offset: 1, count: 1 })).toEqual(['b']);
      expect(await kv.zrange('z', 1, 3, { by: 'score', rev: true })).toEqual([]);
      expect(await kv.zrangeWithScores('z', 0, 0, { rev: true })).toEqual([
        { member: 'd', score: Number.POSITIVE_INFINITY },
      ]);
      expect(await kv.zrangeWithScores('z', Number.NEGATIVE_INFINITY, 2, { by: 'score', offset: 1 })).toEqual(
        [{ member: 'b', score: 2 }],
      );
      expect(await kv.zrevrangeByScore('z', 3, { exclusive: 1 })).toEqual(['c', 'b']);
      expect(await kv.zrevrangeByScore('z', Number.POSITIVE_INFINITY, 0, { offset: 0, count: 2 })).toEqual([
        'd',
        'c',
      ]);
      expect(await kv.zcount('z', 2, Number.POSITIVE_INFINITY)).toBe(3);
      expect(await kv.zcount('z', { exclusive: 1 }, { exclusive: 3 })).toBe(1);
      expect(await kv.zcount('missing', 0, 1)).toBe(0);
      expect(await kv.zrank('z', 'c')).toBe(2);
      expect(await kv.zrank('z', 'nope')).toBeNull();
      expect(await kv.zrank('missing', 'a')).toBeNull();
      expect(await kv.zrange('missing', 0, -1)).toEqual([]);
      await expectCode(kv.zrange('z', 0, 1, { count: 1 }), 'E_INVALID_ARGUMENT');
      await expectCode(kv.zrange('z', { exclusive: 0 }, 1), 'E_INVALID_ARGUMENT');
      await expectCode(kv.zrange('z', 0.5, 1), 'E_INVALID_ARGUMENT');
    });

    it('every sorted-set command on another type is E_WRONG_TYPE', async () => {
      const kv = ctx.store();
      await kv.rpush('l', 'x');
      await expectCode(kv.zadd('l', { member: 'a', score: 1 }), 'E_WRONG_TYPE');
      await expectCode(kv.zrem('l', 'a'), 'E_WRONG_TYPE');
      await expectCode(kv.zscore('l', 'a'), 'E_WRONG_TYPE');
      await expectCode(kv.zincrBy('l', 1, 'a'), 'E_WRONG_TYPE');
      await expectCode(kv.zcard('l'), 'E_WRONG_TYPE');
      await expectCode(kv.zrangeByScore('l', 0, 1), 'E_WRONG_TYPE');
      await expectCode(kv.zrangeByScoreWithScores('l', 0, 1), 'E_WRONG_TYPE');
      await expectCode(kv.zremRangeByScore('l', 0, 1), 'E_WRONG_TYPE');
      await expectCode(kv.zpopmin('l'), 'E_WRONG_TYPE');
      await expectCode(kv.zpopmax('l'), 'E_WRONG_TYPE');
      await expectCode(kv.zrange('l', 0, -1), 'E_WRONG_TYPE');
      await expectCode(kv.zrangeWithScores('l', 0, 1, { by: 'score' }), 'E_WRONG_TYPE');
      await expectCode(kv.zrevrangeByScore('l', 1, 0), 'E_WRONG_TYPE');
      await expectCode(kv.zcount('l', 0, 1), 'E_WRONG_TYPE');
      await expectCode(kv.zrank('l', 'a'), 'E_WRONG_TYPE');
    });
  });
}

import { expectCode, type SuiteContext } from './context.js';

/** Lists: push order, ranges with negative indexes, lrem directions, lmove. */
export function listsGroup(ctx: SuiteContext): void {
  const { describe, it, expect } = ctx.runner;
  describe('lists', () => {
    it('lpush and rpush return the length and keep Redis order', async () => {
      const kv = ctx.store();
      expect(await kv.rpush('l', ['b', 'c'])).toBe(2);
      expect(await kv.lpush('l', ['a2', 'a1'])).toBe(4);
      expect(await kv.lrange('l', 0, -1)).toEqual(['a1', 'a2', 'b', 'c']);
      expect(await kv.llen('l')).toBe(4);
      expect(await kv.llen('missing')).toBe(0);
    });

    it('lrange clamps indexes like Redis', async () => {
      const kv = ctx.store();
      await kv.rpush('l', ['a', 'b', 'c', 'd']);
      expect(await kv.lrange('l', 1, 2)).toEqual(['b', 'c']);
      expect(await kv.lrange('l', -2, -1)).toEqual(['c', 'd']);
      expect(await kv.lrange('l', -100, 100)).toEqual(['a', 'b', 'c', 'd']);
      expect(await kv.lrange('l', 3, 1)).toEqual([]);
      expect(await kv.lrange('l', 10, 20)).toEqual([]);
      expect(await kv.lrange('missing', 0, -1)).toEqual([]);
      await expectCode(kv.lrange('l', 0.5, 1), 'E_INVALID_ARGUMENT');
    });

    it('lpop and rpop; popping the last element deletes the key', async () => {
      const kv = ctx.store();
      expect(await kv.lpop('missing')).toBeNull();
      await kv.rpush('l', ['a', 'b', 'c']);
      expect(await kv.lpop('l')).toBe('a');
      expect(await kv.rpop('l')).toBe('c');
      expect(await kv.rpop('l')).toBe('b');
      expect(await kv.exists('l')).toBe(0);
      expect(await kv.rpop('l')).toBeNull();
    });

    it('lrem from the head, from the tail, and all', async () => {
      const kv = ctx.store();
      await kv.rpush('l', ['x', 'a', 'x', 'b', 'x']);
      expect(await kv.lrem('l', 1, 'x')).toBe(1);
      expect(await kv.lrange('l', 0, -1)).toEqual(['a', 'x', 'b', 'x']);
      expect(await kv.lrem('l', -1, 'x')).toBe(1);
      expect(await kv.lrange('l', 0, -1)).toEqual(['a', 'x', 'b']);
      expect(await kv.lrem('l', 0, 'x')).toBe(1);
      expect(await kv.lrem('l', 0, 'nope')).toBe(0);
      expect(await kv.lrem('missing', 0, 'x')).toBe(0);
      await kv.lrem('l', 0, 'a');
      await kv.lrem('l', 0, 'b');
      expect(await kv.exists('l')).toBe(0);
    });

    it('lmove between lists, onto itself (rotation), from a missing list', async () => {
      const kv = ctx.store();
      // Keys of one hash tag: LMOVE takes two keys, which a Cluster needs in one slot.
      await kv.rpush('{l}src', ['a', 'b', 'c']);
      expect(await kv.lmove('{l}src', '{l}dst', 'LEFT', 'RIGHT')).toBe('a');
      expect(await kv.lmove('{l}src', '{l}dst', 'RIGHT', 'LEFT')).toBe('c');
      expect(await kv.lrange('{l}dst', 0, -1)).toEqual(['c', 'a']);
      expect(await kv.lmove('{l}dst', '{l}dst', 'LEFT', 'RIGHT')).toBe('c');
      expect(await kv.lrange('{l}dst', 0, -1)).toEqual(['a', 'c']);
      expect(await kv.lmove('{l}src', '{l}dst', 'LEFT', 'LEFT')).toBe('b');
      expect(await kv.exists('{l}src')).toBe(0);
      expect(await kv.lmove('{l}src', '{l}dst', 'LEFT', 'LEFT')).toBeNull();
      await kv.set('{l}str', 'v');
      await expectCode(kv.lmove('{l}dst', '{l}str', 'LEFT', 'LEFT'), 'E_WRONG_TYPE');
      expect(await kv.lrange('{l}dst', 0, -1)).toEqual(['b', 'a', 'c']);
      await expectCode(kv.lmove('{l}dst', '{l}x', 'UP' as 'LEFT', 'LEFT'), 'E_INVALID_ARGUMENT');
    });

    it('lmove of a one-element list onto itself keeps the list and its TTL', async () => {
      const kv = ctx.store();
      await kv.rpush('one', ['x']);
      expect(await kv.pexpire('one', 100_000)).toBe(true);
      expect(await kv.lmove('one', 'one', 'LEFT', 'LEFT')).toBe('x');
      expect(await kv.lrange('one', 0, -1)).toEqual(['x']);
      expect(await kv.pttl('one')).toBeGreaterThan(0);
    });

    it('every list command on another type is E_WRONG_TYPE', async () => {
      const kv = ctx.store();
      await kv.sadd('s', 'x');
      await expectCode(kv.lpush('s', 'a'), 'E_WRONG_TYPE');
      await expectCode(kv.rpush('s', 'a'), 'E_WRONG_TYPE');
      await expectCode(kv.lpop('s'), 'E_WRONG_TYPE');
      await expectCode(kv.rpop('s'), 'E_WRONG_TYPE');
      await expectCode(kv.lrange('s', 0, -1), 'E_WRONG_TYPE');
      await expectCode(kv.llen('s'), 'E_WRONG_TYPE');
      await expectCode(kv.lrem('s', 0, 'x'), 'E_WRONG_TYPE');
      await expectCode(kv.lmove('s', 's', 'LEFT', 'LEFT'), 'E_WRONG_TYPE');
    });
  });
}

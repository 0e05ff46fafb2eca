import { expectCode, type SuiteContext } from './context.js';

/** Sets. SMEMBERS order is unspecified in Redis, so results are compared sorted. */
export function setsGroup(ctx: SuiteContext): void {
  const { describe, it, expect } = ctx.runner;
  describe('sets', () => {
    it('sadd and srem count changes; smembers, sismember, scard', async () => {
      const kv = ctx.store();
      expect(await kv.sadd('s', ['a', 'b', 'a'])).toBe(2);
      expect(await kv.sadd('s', ['b', '😀'])).toBe(1);
      expect((await kv.smembers('s')).sort()).toEqual(['a', 'b', '😀']);
      expect(await kv.sismember('s', 'a')).toBe(true);
      expect(await kv.sismember('s', 'z')).toBe(false);
      expect(await kv.sismember('missing', 'a')).toBe(false);
      expect(await kv.scard('s')).toBe(3);
      expect(await kv.smembers('missing')).toEqual([]);
      expect(await kv.srem('s', ['a', 'z'])).toBe(1);
      expect(await kv.srem('s', ['b', '😀'])).toBe(2);
      expect(await kv.exists('s')).toBe(0);
      expect(await kv.scard('s')).toBe(0);
    });

    it('every set command on another type is E_WRONG_TYPE', async () => {
      const kv = ctx.store();
      await kv.zadd('z', { member: 'a', score: 1 });
      await expectCode(kv.sadd('z', 'a'), 'E_WRONG_TYPE');
      await expectCode(kv.srem('z', 'a'), 'E_WRONG_TYPE');
      await expectCode(kv.smembers('z'), 'E_WRONG_TYPE');
      await expectCode(kv.sismember('z', 'a'), 'E_WRONG_TYPE');
      await expectCode(kv.scard('z'), 'E_WRONG_TYPE');
      await expectCode(kv.get('z'), 'E_WRONG_TYPE');
    });
  });
}

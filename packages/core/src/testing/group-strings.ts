import { expectCode, type SuiteContext } from './context.js';

/** Strings: get/set and options, multi-key commands (across Cluster slots), counters, unicode. */
export function stringsGroup(ctx: SuiteContext): void {
  const { describe, it, expect } = ctx.runner;
  describe('strings', () => {
    it('get of a missing key is null; set then get', async () => {
      const kv = ctx.store();
      expect(await kv.get('missing')).toBeNull();
      expect(await kv.set('k', 'v')).toBe(true);
      expect(await kv.get('k')).toBe('v');
      expect(await kv.set('k', '')).toBe(true);
      expect(await kv.get('k')).toBe('');
    });

    it('nx writes only a new key, xx only an existing one', async () => {
      const kv = ctx.store();
      expect(await kv.set('k', 'a', { xx: true })).toBe(false);
      expect(await kv.get('k')).toBeNull();
      expect(await kv.set('k', 'a', { nx: true })).toBe(true);
      expect(await kv.set('k', 'b', { nx: true })).toBe(false);
      expect(await kv.get('k')).toBe('a');
      expect(await kv.set('k', 'c', { xx: true })).toBe(true);
      expect(await kv.get('k')).toBe('c');
    });

    it('getSet returns the previous value, also when nx prevents the write', async () => {
      const kv = ctx.store();
      expect(await kv.getSet('k', 'a')).toBeNull();
      expect(await kv.getSet('k', 'b')).toBe('a');
      expect(await kv.getSet('k', 'c', { nx: true })).toBe('b');
      expect(await kv.get('k')).toBe('b');
      await kv.hset('h', { f: 'v' });
      await expectCode(kv.getSet('h', 'x'), 'E_WRONG_TYPE');
      expect(await kv.type('h')).toBe('hash');
    });

    it('nx with xx, or keepTtl with ttl, is E_INVALID_ARGUMENT before anything is sent', async () => {
      const kv = ctx.store();
      await expectCode(kv.set('k', 'v', { nx: true, xx: true }), 'E_INVALID_ARGUMENT');
      await expectCode(kv.set('k', 'v', { keepTtl: true, ttl: 1000 }), 'E_INVALID_ARGUMENT');
      expect(await kv.exists('k')).toBe(0);
    });

    it('mget, mset, del and exists work across keys of different slots', async () => {
      const kv = ctx.store();
      await kv.mset({ a: '1', b: '2', c: '3' });
      await kv.hset('h', { f: 'v' });
      expect(await kv.mget(['a', 'missing', 'b', 'h', 'c'])).toEqual(['1', null, '2', null, '3']);
      expect(await kv.exists(['a', 'a', 'missing', 'h'])).toBe(3);
      expect(await kv.del(['a', 'b', 'missing'])).toBe(2);
      expect(await kv.del('c')).toBe(1);
      expect(await kv.exists(['a', 'b', 'c'])).toBe(0);
      await expectCode(kv.mget([]), 'E_INVALID_ARGUMENT');
      await expectCode(kv.mset({}), 'E_INVALID_ARGUMENT');
    });

    it('incrBy counts from 0, keeps integers exact and refuses non-integers', async () => {
      const kv = ctx.store();
      expect(await kv.incrBy('n', 5)).toBe(5);
      expect(await kv.incrBy('n', -7)).toBe(-2);
      expect(await kv.get('n')).toBe('-2');
      await kv.set('s', 'abc');
      await expectCode(kv.incrBy('s', 1), 'E_NOT_A_NUMBER');
      await kv.set('f', '1.5');
      await expectCode(kv.incrBy('f', 1), 'E_NOT_A_NUMBER');
      await kv.set('big', '9223372036854775807');
      await expectCode(kv.incrBy('big', 1), 'E_NOT_A_NUMBER');
      expect(await kv.get('big')).toBe('9223372036854775807');
      await expectCode(kv.incrBy('n', 1.5), 'E_INVALID_ARGUMENT');
      await kv.lpush('l', 'x');
      await expectCode(kv.incrBy('l', 1), 'E_WRONG_TYPE');
    });

    it('incrByFloat uses Redis number formatting', async () => {
      const kv = ctx.store();
      expect(await kv.incrByFloat('f', 0.1)).toBe(0.1);
      expect(await kv.incrByFloat('f', 0.2)).toBe(0.3);
      expect(await kv.get('f')).toBe('0.3');
      await kv.set('i', '3');
      expect(await kv.incrByFloat('i', 1.5e-7)).toBe(3.00000015);
      expect(await kv.get('i')).toBe('3.00000015');
      expect(await kv.incrByFloat('big', 1e21)).toBe(1e21);
      expect(await kv.get('big')).toBe('1000000000000000000000');
      await kv.set('s', 'abc');
      await expectCode(kv.incrByFloat('s', 1), 'E_NOT_A_NUMBER');
      await expectCode(kv.incrByFloat('f', Number.POSITIVE_INFINITY), 'E_INVALID_ARGUMENT');
      await expectCode(kv.incrByFloat('f', Number.NaN), 'E_INVALID_ARGUMENT');
    });

    it('keeps unicode intact: astral code points, combining marks, and a 1 MiB value', async () => {
      const kv = ctx.store();
      const text = 'naïve e\u0301 😀 𝄞 中文 \u0000 end';
      await kv.set('ü😀', text);
      expect(await kv.get('ü😀')).toBe(text);
      const big = `${'x'.repeat(1024 * 1024 - 4)}😀`;
      await kv.set('big', big);
      expect(await kv.get('big')).toBe(big);
    });

    it('a lone surrogate is E_INVALID_ARGUMENT (Redis would corrupt it)', async () => {
      const kv = ctx.store();
      await expectCode(kv.set('k', 'a\uD800b'), 'E_INVALID_ARGUMENT');
      await expectCode(kv.get('\uDC00'), 'E_INVALID_ARGUMENT');
      await expectCode(kv.get(42 as unknown as string), 'E_INVALID_ARGUMENT');
    });

    it('keeps per-key order under concurrency: writes issued in order resolve in order, the last wins', async () => {
      const kv = ctx.store();
      const n = 200;
      // Only calls on one key are ordered (a Cluster answers slots apart): one list per key.
      const writes: number[] = [];
      const counts: string[] = [];
      const reads: Array<Promise<string | null>> = [];
      const calls: Array<Promise<unknown>> = [];
      // Nothing is awaited until every call is issued: all of them are in flight together.
      for (let i = 0; i < n; i++) {
        calls.push(kv.set('k', `v${i}`).then(() => writes.push(i)));
        // A read issued after a write sees that write, never an older or a later one.
        reads.push(kv.get('k'));
        // Each INCRBY answers the count of the ones issued before it: they ran in issue order.
        calls.push(kv.incrBy('n', 1).then((count) => counts.push(`${i}: ${count}`)));
      }
      await Promise.all(calls);
      const seen = await Promise.all(reads);
      expect(writes).toEqual(Array.from({ length: n }, (_, i) => i));
      expect(seen).toEqual(Array.from({ length: n }, (_, i) => `v${i}`));
      expect(counts).toEqual(Array.from({ length: n }, (_, i) => `${i}: ${i + 1}`));
      // The last write wins.
      expect(await kv.get('k')).toBe(`v${n - 1}`);
      expect(await kv.get('n')).toBe(String(n));
    });
  });
}

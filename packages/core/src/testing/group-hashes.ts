import { expectCode, type SuiteContext } from './context.js';

/** Hashes, including empty hashes disappearing. */
export function hashesGroup(ctx: SuiteContext): void {
  const { describe, it, expect } = ctx.runner;
  describe('hashes', () => {
    it('hset counts new fields; hget, hmget, hgetall, hlen', async () => {
      const kv = ctx.store();
      expect(await kv.hset('h', { a: '1', b: '2' })).toBe(2);
      expect(await kv.hset('h', { a: '3', c: '' })).toBe(1);
      expect(await kv.hget('h', 'a')).toBe('3');
      expect(await kv.hget('h', 'c')).toBe('');
      expect(await kv.hget('h', 'missing')).toBeNull();
      expect(await kv.hget('missing', 'a')).toBeNull();
      expect(await kv.hmget('h', ['a', 'x', 'b'])).toEqual(['3', null, '2']);
      expect(await kv.hgetall('h')).toEqual({ a: '3', b: '2', c: '' });
      expect(await kv.hgetall('missing')).toEqual({});
      expect(await kv.hlen('h')).toBe(3);
      expect(await kv.hlen('missing')).toBe(0);
    });

    it('deleting the last field deletes the key', async () => {
      const kv = ctx.store();
      await kv.hset('h', { a: '1', b: '2' });
      expect(await kv.hdel('h', ['a', 'zz'])).toBe(1);
      expect(await kv.hdel('missing', 'a')).toBe(0);
      expect(await kv.hdel('h', 'b')).toBe(1);
      expect(await kv.exists('h')).toBe(0);
      expect(await kv.type('h')).toBe('none');
    });

    it('hincrBy counts from 0 and refuses non-integer fields', async () => {
      const kv = ctx.store();
      expect(await kv.hincrBy('h', 'n', 3)).toBe(3);
      expect(await kv.hincrBy('h', 'n', -5)).toBe(-2);
      await kv.hset('h', { s: 'abc', big: '9223372036854775807' });
      await expectCode(kv.hincrBy('h', 's', 1), 'E_NOT_A_NUMBER');
      await expectCode(kv.hincrBy('h', 'big', 1), 'E_NOT_A_NUMBER');
      await expectCode(kv.hincrBy('h', 'n', 0.5), 'E_INVALID_ARGUMENT');
    });

    it('empty field lists and unicode fields', async () => {
      const kv = ctx.store();
      await expectCode(kv.hset('h', {}), 'E_INVALID_ARGUMENT');
      await expectCode(kv.hmget('h', []), 'E_INVALID_ARGUMENT');
      await expectCode(kv.hdel('h', []), 'E_INVALID_ARGUMENT');
      await kv.hset('h', { '😀': 'e\u0301', '': 'empty' });
      expect(await kv.hgetall('h')).toEqual({ '😀': 'e\u0301', '': 'empty' });
    });

    it('hsetnx sets only a new field; hexists', async () => {
      const kv = ctx.store();
      expect(await kv.hexists('h', 'f')).toBe(false);
      expect(await kv.hsetnx('h', 'f', 'one')).toBe(true);
      expect(await kv.hsetnx('h', 'f', 'two')).toBe(false);
      expect(await kv.hget('h', 'f')).toBe('one');
      expect(await kv.hexists('h', 'f')).toBe(true);
      expect(await kv.hexists('h', 'g')).toBe(false);
    });

    it('every hash command on another type is E_WRONG_TYPE', async () => {
      const kv = ctx.store();
      await kv.set('s', 'v');
      await expectCode(kv.hget('s', 'f'), 'E_WRONG_TYPE');
      await expectCode(kv.hset('s', { f: 'v' }), 'E_WRONG_TYPE');
      await expectCode(kv.hmget('s', ['f']), 'E_WRONG_TYPE');
      await expectCode(kv.hgetall('s'), 'E_WRONG_TYPE');
      await expectCode(kv.hdel('s', 'f'), 'E_WRONG_TYPE');
      await expectCode(kv.hincrBy('s', 'f', 1), 'E_WRONG_TYPE');
      await expectCode(kv.hlen('s'), 'E_WRONG_TYPE');
      await expectCode(kv.hsetnx('s', 'f', 'v'), 'E_WRONG_TYPE');
      await expectCode(kv.hexists('s', 'f'), 'E_WRONG_TYPE');
      expect(await kv.get('s')).toBe('v');
    });
  });
}

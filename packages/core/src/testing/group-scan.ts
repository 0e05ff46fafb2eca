import { eventually, expectCode, type SuiteContext, scanAll } from './context.js';

/** Scan: every key once, Redis glob syntax, type filter, expired keys skipped. */
export function scanGroup(ctx: SuiteContext): void {
  const { describe, it, expect } = ctx.runner;
  describe('scan', () => {
    it('visits every key of the view exactly once, whatever the page size', async () => {
      const kv = ctx.store();
      const keys = Array.from({ length: 57 }, (_, i) => `k${i}`);
      const entries: Record<string, string> = {};
      for (const k of keys) entries[k] = 'v';
      await kv.mset(entries);
      for (const count of [1, 10, 1000]) {
        const seen: string[] = [];
        for await (const k of kv.scan({ count })) seen.push(k);
        expect(seen.sort()).toEqual([...keys].sort());
      }
      expect(() => kv.scan({ count: 0 })).toThrow();
    });

    it('matches globs like Redis: *, ?, [a-c], [^a], escapes', async () => {
      const kv = ctx.store();
      await kv.mset({
        a1: '',
        b1: '',
        c1: '',
        d1: '',
        ab: '',
        'x*y': '',
        'x?y': '',
        xzy: '',
        é: '',
        '[a]': '',
      });
      expect(await scanAll(kv, { match: '?1' })).toEqual(['a1', 'b1', 'c1', 'd1']);
      expect(await scanAll(kv, { match: '[a-c]1' })).toEqual(['a1', 'b1', 'c1']);
      expect(await scanAll(kv, { match: '[c-a]1' })).toEqual(['a1', 'b1', 'c1']);
      expect(await scanAll(kv, { match: '[^a]1' })).toEqual(['b1', 'c1', 'd1']);
      expect(await scanAll(kv, { match: 'a*' })).toEqual(['a1', 'ab']);
      expect(await scanAll(kv, { match: 'x\\*y' })).toEqual(['x*y']);
      expect(await scanAll(kv, { match: 'x[*?]y' })).toEqual(['x*y', 'x?y']);
      expect(await scanAll(kv, { match: 'x?y' })).toEqual(['x*y', 'x?y', 'xzy']);
      expect(await scanAll(kv, { match: '\\[a\\]' })).toEqual(['[a]']);
      // `?` is one byte, as in Redis: é is two bytes of UTF-8.
      expect(await scanAll(kv, { match: '??' })).toContain('é');
      expect(await scanAll(kv, { match: '?' })).toEqual([]);
      expect(await scanAll(kv, { match: 'nothing*' })).toEqual([]);
    });

    it('filters by type', async () => {
      const kv = ctx.store();
      await kv.set('s', 'v');
      await kv.hset('h', { f: 'v' });
      await kv.zadd('z', { member: 'm', score: 1 });
      await kv.rpush('l', 'x');
      await kv.sadd('st', 'x');
      expect(await scanAll(kv, { type: 'string' })).toEqual(['s']);
      expect(await scanAll(kv, { type: 'hash' })).toEqual(['h']);
      expect(await scanAll(kv, { type: 'zset' })).toEqual(['z']);
      expect(await scanAll(kv, { type: 'list' })).toEqual(['l']);
      expect(await scanAll(kv, { type: 'set' })).toEqual(['st']);
    });

    it('skips expired keys', async () => {
      const kv = ctx.store();
      await kv.set('live', 'v');
      await kv.set('short', 'v', { ttl: 30 });
      expect(await eventually(async () => (await scanAll(kv)).length === 1)).toBe(true);
      expect(await scanAll(kv)).toEqual(['live']);
    });

    it('a lone surrogate in the pattern is E_INVALID_ARGUMENT', async () => {
      const kv = ctx.store();
      expect(() => kv.scan({ match: '\uD800*' })).toThrow();
      await expectCode(Promise.reject(catchSync(() => kv.scan({ match: '\uD800' }))), 'E_INVALID_ARGUMENT');
    });
  });
}

function catchSync(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return new Error('did not throw');
}

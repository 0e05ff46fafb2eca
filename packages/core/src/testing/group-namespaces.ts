import { escapeGlob } from '../namespace.js';
import { expectCode, randomPrefix, type SuiteContext, scanAll } from './context.js';
import { FIXED_WINDOW } from './scripts.js';

/** Namespaces: a view cannot see, scan or delete keys outside its prefix. */
export function namespacesGroup(ctx: SuiteContext): void {
  const { describe, it, expect } = ctx.runner;
  describe('namespaces', () => {
    it('a view cannot read, scan or delete keys outside it', async () => {
      const kv = ctx.store();
      await kv.set('outside', 'secret');
      const view = kv.namespace('tenant:');
      expect(view.prefix).toBe(`${kv.prefix}tenant:`);
      expect(await view.get('outside')).toBeNull();
      await view.set('inside', 'v');
      expect(await scanAll(view)).toEqual(['inside']);
      expect(await view.del(['outside', 'inside'])).toBe(1);
      expect(await kv.get('outside')).toBe('secret');
      expect(await scanAll(kv)).toEqual(['outside']);
    });

    it('views nest, and scans return keys without the prefix', async () => {
      const kv = ctx.store();
      const inner = kv.namespace('a:').namespace('b:');
      await inner.set('k', 'v');
      expect(await kv.get('a:b:k')).toBe('v');
      expect(await scanAll(kv.namespace('a:'))).toEqual(['b:k']);
      expect(await scanAll(inner)).toEqual(['k']);
    });

    it('glob characters in a prefix are literal', async () => {
      const kv = ctx.store();
      await kv.set('a*:k', 'star');
      await kv.set('ab:k', 'plain');
      await kv.set('a?:k', 'question');
      await kv.set('[x]:k', 'bracket');
      expect(await scanAll(kv.namespace('a*:'))).toEqual(['k']);
      expect(await scanAll(kv.namespace('a?:'))).toEqual(['k']);
      expect(await scanAll(kv.namespace('[x]:'))).toEqual(['k']);
      expect(await kv.namespace('a*:').del('k')).toBe(1);
      expect(await kv.get('ab:k')).toBe('plain');
      expect(escapeGlob('a*?[]\\')).toBe('a\\*\\?\\[\\]\\\\');
    });

    it('script KEYS are confined to the view', async () => {
      const kv = ctx.store();
      const view = kv.namespace('v:');
      await view.eval(FIXED_WINDOW, ['{t}c'], [10, 60_000]);
      expect(await kv.get('v:{t}c')).toBe('1');
      expect(await kv.get('{t}c')).toBeNull();
    });

    it('an empty prefix is E_INVALID_ARGUMENT', () => {
      const kv = ctx.store();
      expect(() => kv.namespace('')).toThrow();
    });

    it('works on the root store, and cleans up after itself', async () => {
      const root = ctx.root();
      const prefix = randomPrefix();
      const view = root.namespace(prefix);
      try {
        await view.mset({ a: '1', b: '2' });
        expect(await root.mget([`${prefix}a`, `${prefix}b`])).toEqual(['1', '2']);
        const found: string[] = [];
        for await (const k of root.scan({ match: `${escapeGlob(prefix)}*`, count: 50 })) found.push(k);
        expect(found.sort()).toEqual([`${prefix}a`, `${prefix}b`]);
      } finally {
        await root.del([`${prefix}a`, `${prefix}b`]);
      }
      expect(await root.exists([`${prefix}a`, `${prefix}b`])).toBe(0);
      await expectCode(root.get('\uD800'), 'E_INVALID_ARGUMENT');
    });
  });
}

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ioredisAdapter } from '../src/adapters/ioredis.js';
import { compileGlob } from '../src/adapters/memory/glob.js';
import { memoryAdapter } from '../src/adapters/memory.js';
import type { KvStore } from '../src/types.js';

// The memory adapter's MATCH must agree with redis-server's stringmatchlen on every pattern,
// malformed ones included (an unclosed `[`, a trailing backslash, reversed ranges, bytes of é).
const KEYS = [
  'a',
  'b',
  'ab',
  'ba',
  'abc',
  'a-b',
  '-',
  '^',
  '[',
  ']',
  '\\',
  '*',
  '?',
  'é',
  'aé',
  'z',
  '',
  'a]',
  'A',
];
const PIECES = ['a', 'b', 'c', '*', '?', '[', ']', '^', '-', '\\', 'é', 'z', '[a-b]', '[^a]', '[b-a]', '\\*'];

describe('memory glob matches Redis', () => {
  let redis: KvStore;
  let root: KvStore;
  const prefix = `glob:${Math.random().toString(36).slice(2, 8)}:`;

  beforeAll(async () => {
    root = ioredisAdapter({ url: inject('raptorflow').redis.url });
    redis = root.namespace(prefix);
    const entries: Record<string, string> = {};
    for (const k of KEYS) entries[k] = 'v';
    // The empty key is not a valid namespaced key of interest here; keep the rest.
    delete entries[''];
    await redis.mset(entries);
  });

  afterAll(async () => {
    await redis.del(KEYS.filter((k) => k !== ''));
    await root.close();
  });

  it('on 300 random patterns', async () => {
    const memory = memoryAdapter({ sweepIntervalMs: 0 });
    const view = memory.namespace(prefix);
    await view.mset(Object.fromEntries(KEYS.filter((k) => k !== '').map((k) => [k, 'v'])));
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 5 }),
        async (parts) => {
          const match = parts.join('');
          const collect = async (store: KvStore) => {
            const out: string[] = [];
            for await (const k of store.scan({ match, count: 1000 })) out.push(k);
            return out.sort();
          };
          expect(await collect(view), match).toEqual(await collect(redis));
        },
      ),
      { numRuns: 300 },
    );
    await memory.close();
  });

  it('compiled matchers on raw keys', () => {
    expect(compileGlob('*')('anything')).toBe(true);
    expect(compileGlob('a[')('a')).toBe(false);
    expect(compileGlob('h?llo')('héllo')).toBe(false);
    expect(compileGlob('h??llo')('héllo')).toBe(true);
    expect(compileGlob('[^')('x')).toBe(true);
  });
});

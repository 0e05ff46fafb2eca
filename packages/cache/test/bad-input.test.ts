import { isKvError, type KvStore } from '@raptorflow/core';
import { storeMatrix } from '@raptorflow/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CacheClient, type CacheEvents, cached, createCache } from '../src/index.js';
import { deleteHandedOut, keysUnder, randomPrefix } from './matrix.js';

/** The rejection of `run()`, which must return a promise and never throw synchronously. */
async function rejection(run: () => Promise<unknown>): Promise<unknown> {
  let promise: Promise<unknown>;
  try {
    promise = run();
  } catch (error) {
    throw new Error(`threw synchronously instead of rejecting: ${String(error)}`);
  }
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('resolved; expected a rejection');
}

function expectCode(error: unknown, code: string): void {
  expect(isKvError(error), `expected a KvError, got ${String(error)}`).toBe(true);
  expect((error as { code: string }).code).toBe(code);
}

const THROWING = {
  toString(): string {
    throw new Error('toString');
  },
  toJSON(): never {
    throw new Error('toJSON');
  },
};
const BAD_VALUES: Array<[string, unknown]> = [
  ['a BigInt', 10n],
  ['a Symbol', Symbol('s')],
  ['a function', () => 1],
  ['an object whose toString and toJSON throw', THROWING],
];

for (const entry of storeMatrix({ layers: ['l1'] })) {
  describe(`bad input on ${entry.name}`, () => {
    let store: KvStore;
    beforeAll(async () => {
      store = await entry.create();
    });
    afterAll(async () => {
      await deleteHandedOut(store);
      await store.close();
    });

    function make(): {
      cache: CacheClient;
      prefix: string;
      decodeErrors: Array<CacheEvents['decode-error']>;
    } {
      const prefix = randomPrefix();
      const cache = createCache({ store, prefix, namespaces: { profiles: { ttl: '30m', jitter: 0 } } });
      const decodeErrors: Array<CacheEvents['decode-error']> = [];
      cache.events.on('decode-error', (e) => decodeErrors.push(e));
      return { cache, prefix, decodeErrors };
    }

    it('finding 6: BigInt, Symbol, functions and throwing objects are E_INVALID_ARGUMENT everywhere', async () => {
      const { cache, prefix } = make();
      const ws = cache.workspace('acme');
      const ns = ws.namespace('profiles');
      for (const [what, bad] of BAD_VALUES) {
        expect(() => cache.workspace(bad as string), what).toThrowError(
          expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }),
        );
        expect(() => ws.namespace(bad as string), what).toThrowError(
          expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }),
        );
        const calls: Array<() => Promise<unknown>> = [
          () => ns.get(bad as string),
          () => ns.has(bad as string),
          () => ns.getMany(bad as string[]),
          () => ns.getMany([bad as string]),
          () => ns.set(bad as string, 1),
          () => ns.set('k', 1, { ttl: bad as number }),
          () => ns.set('k', 1, { tags: [bad as string] }),
          () => ns.setMany(bad as []),
          () => ns.setMany([{ key: bad as string, value: 1 }]),
          () => ns.delete(bad as string),
          () => ns.getOrSet(bad as string, () => 1),
          // A function is a valid factory: only the others are bad ones.
          () => ns.getOrSet('k', typeof bad === 'function' ? (1 as never) : (bad as () => number)),
          () => ns.getOrSet('k', () => 1, { hardTimeout: bad as number }),
          () => ns.invalidateTags([bad as string]),
          () => ws.deleteByTags(bad as string[]),
          () => ws.clearNamespace(bad as string),
        ];
        for (const [i, call] of calls.entries()) {
          const error = await rejection(call).catch((e: Error) => e.message);
          expect(
            isKvError(error) ? (error as { code: string }).code : String(error),
            `${what}, call ${i}`,
          ).toBe('E_INVALID_ARGUMENT');
        }
      }
      expect(() => cache.workspace(10n as never)).toThrowError(/workspace id .* got 10n/);
      expect(await keysUnder(store, prefix)).toEqual([]);
    });

    it('finding 7: values JSON would change are refused with E_CODEC, and nothing is written', async () => {
      const { cache, prefix } = make();
      const ns = cache.workspace('acme').namespace('profiles');
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      const lossy: Array<[string, unknown]> = [
        ['[undefined]', [undefined]],
        ['{ a: undefined }', { a: undefined }],
        ['a Uint8Array', new Uint8Array([1, 2])],
        ['a RegExp', /x/],
        ['an Error', new Error('e')],
        ['-0', -0],
        ['a cycle', cyclic],
        ['a nested function', { f: () => 1 }],
        ['a nested BigInt', { n: 1n }],
        ['a nested Map', { m: new Map() }],
      ];
      for (const [what, value] of lossy) {
        const error = await rejection(() => ns.set('k', value));
        expect(isKvError(error), what).toBe(true);
        expect((error as { code: string }).code, what).toBe('E_CODEC');
        expectCode(await rejection(() => ns.getOrSet(`g-${what}`, () => value)), 'E_CODEC');
      }
      expect((await keysUnder(store, prefix)).filter((k) => k.includes(':e:'))).toEqual([]);
      // What JSON carries faithfully still round-trips, a top-level undefined too.
      const fine = { a: [1, 'x', null, { b: true }], d: new Date(0) };
      await ns.set('ok', fine);
      expect(await ns.get('ok')).toEqual({ a: [1, 'x', null, { b: true }], d: '1970-01-01T00:00:00.000Z' });
      expect(await ns.getOrSet('u', () => undefined, { negativeTtl: '1m' })).toBeUndefined();
    });

    it('finding 7: cached keys undefined and null (and -0 and 0) apart', async () => {
      const { cache } = make();
      const seen: unknown[] = [];
      const load = cached(
        async (a: unknown) => {
          seen.push(a);
          return seen.length;
        },
        { cache, namespace: 'profiles', workspace: 'acme' },
      );
      expect(await load(undefined)).toBe(1);
      expect(await load(null)).toBe(2);
      expect(await load(undefined)).toBe(1);
      expect(await load(0)).toBe(3);
      expect(await load(-0)).toBe(4);
      expect(await load(null)).toBe(2);
      expect(seen).toEqual([undefined, null, 0, -0]);
      expectCode(await rejection(() => load(Symbol('s'))), 'E_INVALID_ARGUMENT');
    });

    it('finding 10: an entry with Infinity times is a reported miss, and getOrSet replaces it', async () => {
      const { cache, prefix, decodeErrors } = make();
      const ns = cache.workspace('acme').namespace<string>('profiles');
      const raw = store.namespace(prefix);
      const key = '{acme}:e:profiles:0.0:k';
      // The generations this namespace reads first, so the planted entry is the one it reads.
      await ns.get('warm');
      for (const header of ['1||0|Infinity|Infinity|', '1||0|NaN|NaN|', '1||5|4|3|']) {
        await raw.set(key, `${header}\n"old"`);
        decodeErrors.length = 0;
        expect(await ns.get('k')).toBeUndefined();
        expect(decodeErrors.length).toBeGreaterThanOrEqual(1);
        expect(await ns.getOrSet('k', () => 'new')).toBe('new');
        const stored = (await raw.get(key)) as string;
        const times = stored.split('\n')[0]?.split('|').slice(2, 5).map(Number) ?? [];
        expect(times.every(Number.isSafeInteger)).toBe(true);
        expect(await ns.get('k')).toBe('new');
      }
    });

    it('finding 10: a corrupt tag version is a reported miss, and the next set repairs it', async () => {
      const { cache, prefix, decodeErrors } = make();
      const ns = cache.workspace('acme').namespace<string>('profiles');
      const raw = store.namespace(prefix);
      const soft = '{acme}:t:s:tag';
      // Corrupt before the first write: the write repairs the counter and the entry is served.
      await raw.set(soft, 'x,y');
      await ns.set('a', 'A', { tags: ['tag', 'other'] });
      expect(await ns.get('a')).toBe('A');
      expect(await raw.get(soft)).toMatch(/^[0-9]+$/);
      // Corrupt under a written entry: a miss with an event, then set and getOrSet repair it.
      await raw.set(soft, 'x,y');
      decodeErrors.length = 0;
      expect(await ns.get('a')).toBeUndefined();
      expect(decodeErrors.length).toBeGreaterThanOrEqual(1);
      expect(await ns.getOrSet('a', () => 'A2', { tags: ['tag'] })).toBe('A2');
      expect(await raw.get(soft)).toMatch(/^[0-9]+$/);
      expect(await ns.get('a')).toBe('A2');
      // The repaired counter still counts: a soft invalidation still makes the entry a miss.
      await ns.invalidateTags(['tag']);
      expect(await ns.get('a')).toBeUndefined();
      await raw.set('{acme}:t:h:tag', '1.5');
      expect(await ns.getOrSet('b', () => 'B', { tags: ['tag'] })).toBe('B');
      expect(await ns.get('b')).toBe('B');
    });

    it('finding 11: cached checks its getOrSet options at construction; no promise API throws', async () => {
      const { cache } = make();
      const load = async (): Promise<number> => 1;
      for (const bad of [
        { ttl: Number.NaN },
        { lease: 'yes' },
        { grace: -1 },
        { earlyRefresh: 2 },
        { tll: 1 },
      ]) {
        expect(() =>
          cached(load, { cache, namespace: 'profiles', workspace: 'acme', ...(bad as object) }),
        ).toThrowError(expect.objectContaining({ code: 'E_INVALID_OPTIONS' }));
      }
      const ns = cache.workspace('acme').namespace('profiles');
      const calls: Array<() => Promise<unknown>> = [
        () => ns.get('k', { status: 5 as never }),
        () => ns.get('k', 'x' as never),
        () => ns.getMany(['k'], { allowStale: 'yes' as never }),
        () => ns.set('k', 1, { tags: 'ab' as never }),
        () => ns.getOrSet('k', load, { lease: 'yes' as never }),
        () => ns.getOrSet('k', load, { staleWhileRevalidate: 1 as never }),
        () => ns.setMany([null as never]),
        () =>
          cached(async (_x: unknown) => 1, {
            cache,
            namespace: 'profiles',
            workspace: (x: unknown) => x as string,
          })(5),
        () => cached(load, { cache: () => 5 as never, namespace: 'profiles', workspace: 'acme' })(),
      ];
      for (const call of calls) expectCode(await rejection(call), 'E_INVALID_ARGUMENT');
    });
  });
}

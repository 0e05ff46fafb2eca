import type { KvStore } from '@raptorflow/core';
import { createFuzzHarness, type FuzzOutcome, storeMatrix } from '@raptorflow/core/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CacheClient,
  type CacheEvents,
  cached,
  createCache,
  type NamespaceCache,
} from '../src/index.js';
import { deleteHandedOut, keysUnder, randomPrefix } from './matrix.js';

/*
 * Bad input never crashes, never loses data, is always a typed error (issue 20). Generated bad
 * options for every factory, bad arguments for every method, and corrupt values planted under
 * every key layout the cache uses; each run checks that a promise-returning API never throws
 * synchronously, that every failure is a KvError with a code, that nothing is left unhandled,
 * and that no key outside the one a call names changes. Small by default; RAPTORFLOW_LONG=1
 * runs 40 times as many cases. Outcome counts are printed for the lead to quote.
 */

const LONG = process.env.RAPTORFLOW_LONG === '1';
const RUNS = LONG ? 2000 : 50;
/** Per test: the long runs take minutes on a busy 2-core machine. */
const TIMEOUT = LONG ? 900_000 : 60_000;

const THROWING = {
  toString(): string {
    throw new Error('toString');
  },
  toJSON(): never {
    throw new Error('toJSON');
  },
};
const cyclic: Record<string, unknown> = {};
cyclic.self = cyclic;

/** Values no API expects: what a JavaScript caller, or a mistyped one, may pass anywhere. */
const weird = fc.oneof(
  fc.anything({
    withBigInt: true,
    withDate: true,
    withMap: true,
    withSet: true,
    withTypedArray: true,
    withSparseArray: true,
    withNullPrototype: true,
    withBoxedValues: true,
    maxDepth: 2,
  }),
  fc.constantFrom<unknown>(
    Symbol('s'),
    () => 1,
    THROWING,
    cyclic,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    -0,
    -1,
    1e300,
    '',
    '\uD800',
    'a'.repeat(2000),
    'a,b=c|d\ne',
    '5m',
    '-5m',
    null,
    undefined,
  ),
);

/** `valid` four times in five, else a weird value. */
function mostly<T>(valid: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: weird });
}

/** Values JSON may or may not carry: a set either stores them faithfully or refuses with E_CODEC. */
const value = fc.oneof(
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  fc.anything({
    withBigInt: true,
    withMap: true,
    withSet: true,
    withTypedArray: true,
    withSparseArray: true,
    maxDepth: 3,
  }),
  fc.constantFrom<unknown>(
    -0,
    [undefined],
    { a: undefined },
    /x/,
    new Error('e'),
    cyclic,
    Number.NaN,
    [1, -0],
  ),
);

/** Keys: mostly fine, some not (empty, too long, lone surrogates, not strings). */
const key = fc.oneof(
  { weight: 4, arbitrary: fc.string({ minLength: 1, maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) },
  { weight: 1, arbitrary: weird },
);

const tags = fc.oneof(
  { weight: 6, arbitrary: fc.array(fc.constantFrom('t1', 't2', 'user:1'), { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.array(weird, { maxLength: 2 }) },
  { weight: 1, arbitrary: weird },
);

/** Usually nothing, sometimes one more field of generated name and value (an unknown option). */
const extraField = fc.oneof(
  { weight: 6, arbitrary: fc.constant({}) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), weird, { minKeys: 1, maxKeys: 1 }) },
);

const callOptions = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  {
    weight: 2,
    arbitrary: fc.record(
      {
        ttl: mostly(fc.constantFrom('1m', 60_000)),
        grace: mostly(fc.constantFrom('1m', 0)),
        tags,
        negativeTtl: mostly(fc.constantFrom('1m', 0)),
        staleWhileRevalidate: mostly(fc.boolean()),
        earlyRefresh: mostly(fc.double({ min: 0, max: 1, noNaN: true })),
        softTimeout: mostly(fc.constantFrom('1s', 0)),
        hardTimeout: mostly(fc.constantFrom('1s', 100)),
        lease: mostly(fc.boolean()),
        status: mostly(fc.constant({})),
        allowStale: mostly(fc.boolean()),
      },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: weird },
);

const namespaceOptions = fc.record(
  {
    ttl: mostly(fc.constantFrom('5m', 1000)),
    grace: mostly(fc.constantFrom('1m', 0)),
    jitter: mostly(fc.double({ min: 0, max: 1, noNaN: true })),
    negativeTtl: mostly(fc.constantFrom('1m', 0)),
    staleWhileRevalidate: mostly(fc.boolean()),
    earlyRefresh: mostly(fc.double({ min: 0, max: 1, noNaN: true })),
    softTimeout: mostly(fc.constantFrom('100ms', 0)),
    hardTimeout: mostly(fc.constantFrom('1s', 5)),
    lease: fc.oneof(
      mostly(fc.boolean()),
      fc.record({ ttl: mostly(fc.constant('1s')), wait: weird }, { requiredKeys: [] }),
    ),
    hashKeys: mostly(fc.boolean()),
    compressAbove: mostly(fc.constantFrom(false, 0, 100)),
  },
  { requiredKeys: [] },
);

/** The contract checks and outcome counts, shared with core's and the other packages' fuzz suites. */
const fuzz = createFuzzHarness();
const count = fuzz.count;

/** A synchronous API: returns, or throws a KvError. */
function sync(operation: string, run: () => unknown): void {
  fuzz.sync(operation, run);
}

/** A promise-returning API: never throws synchronously; settles, a failure being a KvError. */
function promised(operation: string, run: () => Promise<unknown>): Promise<FuzzOutcome> {
  return fuzz.promised(operation, run);
}

// Read by the tests below as `unhandled`, emptied never: any entry fails the run.
const unhandled = fuzz.unhandled;

beforeAll(() => fuzz.start());
afterAll(() => {
  fuzz.stop();
  console.log(fuzz.report(`cache fuzz (${LONG ? 'long' : 'small'}, ${RUNS} runs per property): outcomes`));
});

describe('fuzz: factories', () => {
  it(
    'createCache and cached take any options: they return or throw E_INVALID_OPTIONS',
    async () => {
      const store = (await storeMatrix({ only: ['memory'] })[0]?.create()) as KvStore;
      fc.assert(
        fc.property(
          fc.record(
            {
              prefix: mostly(fc.constantFrom('p:', 'x')),
              timeout: mostly(fc.constantFrom('1s', 50)),
              onStoreError: mostly(fc.constantFrom('fallback', 'fail-open', 'fail-closed', 'throw')),
              purge: fc.oneof(
                mostly(fc.constant(false)),
                fc.record({ maxKeys: mostly(fc.constant(10)) }, { requiredKeys: [] }),
              ),
              defaults: mostly(namespaceOptions),
              namespaces: mostly(
                fc.dictionary(fc.string({ maxLength: 5 }), namespaceOptions, { maxKeys: 2 }),
              ),
            },
            { requiredKeys: [] },
          ),
          extraField,
          fc.oneof(
            { weight: 4, arbitrary: fc.constant({} as { codec?: unknown; schema?: unknown }) },
            { weight: 1, arbitrary: fc.record({ codec: weird, schema: weird }, { requiredKeys: [] }) },
          ),
          fc.oneof(weird, callOptions),
          (options, extra, codecs, cachedOptions) => {
            let made: CacheClient | undefined;
            try {
              const withCodecs = { ...options, defaults: { ...(options.defaults as object), ...codecs } };
              // The generated fields, an unknown one at times, and at times a bad codec or schema.
              made = createCache({
                store,
                ...extra,
                ...(codecs.codec || codecs.schema ? withCodecs : options),
              } as never);
              count('createCache', 'ok');
            } catch (error) {
              expect(
                fuzz.sync('createCache', () => {
                  throw error;
                }),
              ).toEqual({ ok: false, code: 'E_INVALID_OPTIONS' });
            }
            const cache = made ?? createCache({ store });
            for (const base of [
              { cache, namespace: 'profiles', workspace: 'acme' },
              { cache: weird, namespace: 'profiles', workspace: 'acme' },
            ]) {
              try {
                const opts = {
                  ...base,
                  ...(typeof cachedOptions === 'object' && cachedOptions ? cachedOptions : {}),
                };
                cached(async () => 1, opts as never);
                count('cached', 'ok');
              } catch (error) {
                expect(
                  fuzz.sync('cached', () => {
                    throw error;
                  }),
                ).toEqual({ ok: false, code: 'E_INVALID_OPTIONS' });
              }
            }
            sync('cached(bad)', () => cached(cachedOptions as never));
          },
        ),
        { numRuns: RUNS },
      );
      await store.close();
      expect(unhandled).toEqual([]);
    },
    TIMEOUT,
  );
});

const FUZZ_STORES = storeMatrix({ only: ['memory', 'memory+L1', 'ioredis', 'ioredis+L1'], layers: ['l1'] });

for (const entry of FUZZ_STORES) {
  describe(`fuzz on ${entry.name}`, () => {
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
      ns: NamespaceCache<unknown>;
      decodeErrors: Array<CacheEvents['decode-error']>;
    } {
      const prefix = randomPrefix();
      const cache = createCache({
        store,
        prefix,
        // A lease that another "process" (a planted key) holds is waited for 20 ms at most.
        namespaces: { profiles: { ttl: '30m', grace: '1m', jitter: 0, lease: { wait: 20 } } },
      });
      const decodeErrors: Array<CacheEvents['decode-error']> = [];
      cache.events.on('decode-error', (e) => decodeErrors.push(e));
      return { cache, prefix, ns: cache.workspace('acme').namespace('profiles'), decodeErrors };
    }

    /** The keys (and values) outside `acme`'s profiles entry `k`: a call on `k` must leave them as they were. */
    async function others(prefix: string, own: (k: string) => boolean): Promise<string[]> {
      const keys = (await keysUnder(store, prefix)).filter((k) => !own(k));
      const values = keys.length ? await store.namespace(prefix).mget(keys) : [];
      return keys.map((k, i) => `${k}=${values[i]}`);
    }

    it(
      'every method with generated arguments: a typed failure or a result, other keys untouched',
      async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.constantFrom(
              'get',
              'has',
              'getMany',
              'set',
              'setMany',
              'delete',
              'getOrSet',
              'invalidateTags',
              'deleteByTags',
              'clearNamespace',
              'workspace',
              'namespace',
              'cached',
            ),
            key,
            value,
            callOptions,
            tags,
            async (method, k, v, options, t) => {
              const { cache, prefix, ns } = make();
              const ws = cache.workspace('acme');
              // Sentinels: another entry of this namespace, and another workspace's.
              await ns.set('sentinel', { keep: 1 }, { tags: ['kept'] });
              await cache.workspace('other').namespace('profiles').set('k', 'theirs');
              const named = typeof k === 'string' ? k : '';
              // Keys a call on `k` may write: its entry and lease, tag counters (a tag bump, a
              // repair), generations (a clear, the L1 seed).
              const own = (full: string): boolean =>
                full.startsWith('{acme}:') &&
                !full.endsWith(':sentinel') &&
                (full.endsWith(`:${named}`) ||
                  full.includes(':t:') ||
                  full === '{acme}:g' ||
                  full.startsWith('{acme}:n:') ||
                  method === 'setMany' ||
                  method === 'cached' ||
                  method === 'getMany' ||
                  method === 'clearNamespace');
              const before = await others(prefix, own);
              switch (method) {
                case 'get':
                  await promised(method, () => ns.get(k as string, options as never));
                  break;
                case 'has':
                  await promised(method, () => ns.has(k as string));
                  break;
                case 'getMany':
                  await promised(method, () =>
                    ns.getMany((Array.isArray(t) ? t : k) as string[], options as never),
                  );
                  break;
                case 'set': {
                  const done = await promised(method, () =>
                    ns.set(k as string, v, options as never).then(() => true),
                  );
                  // Stored means stored faithfully: what JSON would change is refused instead.
                  if (done.ok && typeof k === 'string') {
                    const read = await ns.get(k);
                    if (read !== undefined || v !== undefined) expect(read).toStrictEqual(v);
                  }
                  break;
                }
                case 'setMany':
                  await promised(method, () =>
                    ns.setMany(
                      (Array.isArray(t) ? t.map((x) => ({ key: x, value: v })) : t) as never,
                      options as never,
                    ),
                  );
                  break;
                case 'delete':
                  await promised(method, () => ns.delete(k as string));
                  break;
                case 'getOrSet':
                  await promised(method, () => ns.getOrSet(k as string, () => v, options as never));
                  break;
                case 'invalidateTags':
                  await promised(method, () => ns.invalidateTags(t as string[]));
                  break;
                case 'deleteByTags':
                  await promised(method, () => ws.deleteByTags(t as string[]));
                  break;
                case 'clearNamespace':
                  await promised(method, () => ws.clearNamespace(k as string));
                  break;
                case 'workspace':
                  sync(method, () => cache.workspace(k as string));
                  break;
                case 'namespace':
                  sync(method, () => ws.namespace(k as string));
                  break;
                case 'cached':
                  await promised(method, () =>
                    cached(async (...args: unknown[]) => args.length, {
                      cache,
                      namespace: 'profiles',
                      workspace: 'acme',
                    })(k, v, options),
                  );
                  break;
              }
              if (method !== 'clearNamespace' || named !== 'profiles') {
                expect(await ns.get('sentinel')).toEqual({ keep: 1 });
              }
              expect(await others(prefix, own)).toEqual(before);
            },
          ),
          { numRuns: RUNS },
        );
        expect(unhandled).toEqual([]);
      },
      TIMEOUT,
    );

    /** Stored text that may or may not be an entry: headers cut, times bad, tags odd. */
    const planted = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc
        .tuple(
          fc.constantFrom('1', '2', '', 'x'),
          fc.constantFrom('', 'u', 'n', 'un', 'zz'),
          fc.constantFrom('0', 'Infinity', 'NaN', '-1', '1e400', '', '9999999999999', '0x10'),
          fc.constantFrom('0', 'Infinity', 'NaN', '-Infinity', '', '9999999999999'),
          fc.constantFrom('0', 'Infinity', 'NaN', '', '9999999999999'),
          fc.constantFrom('', 't1=0.0', 't1=x,y', 't1', '=', 't1=1.0,t2=0.0', 't1=0.0|x'),
          fc.constantFrom('"v"', '', '{', '~zgarbage', '~="x"', 'null'),
        )
        .map(([ver, flags, c, f, s, t, payload]) => `${ver}|${flags}|${c}|${f}|${s}|${t}\n${payload}`),
    );

    it(
      'corrupt values under every key layout: misses or typed failures, repaired by the next write',
      async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.constantFrom('entry', 'lease', 'soft', 'hard', 'wsGen', 'nsGen'),
            planted,
            fc.boolean(),
            async (layout, text, bumpFirst) => {
              const { cache, prefix, ns, decodeErrors } = make();
              const raw = store.namespace(prefix);
              await ns.get('warm'); // generations known (and seeded on L1)
              const target = {
                entry: '{acme}:e:profiles:0.0:k',
                lease: '{acme}:l:profiles:0.0:k',
                soft: '{acme}:t:s:t1',
                hard: '{acme}:t:h:t1',
                wsGen: '{acme}:g',
                nsGen: '{acme}:n:profiles',
              }[layout];
              await ns.set('sentinel', { keep: 1 });
              // A tagged entry under the key read below, so a corrupt tag counter meets an entry.
              await ns.set('k', 'old', { tags: ['t1'] });
              await raw.set(target, text, { ttl: 60_000 });
              decodeErrors.length = 0;
              if (bumpFirst) {
                // A corrupt counter is repaired by the bump itself: it never fails for good.
                expect(
                  (await promised(`corrupt ${layout}: invalidateTags first`, () => ns.invalidateTags(['t1'])))
                    .ok,
                ).toBe(true);
              }
              const got = await promised(`corrupt ${layout}: get`, () => ns.get('k'));
              expect(got.ok).toBe(true);
              const reported = decodeErrors.length > 0;
              if (reported) expect(got.ok ? got.value : 'failed').toBeUndefined();
              await promised(`corrupt ${layout}: getOrSet`, () =>
                ns.getOrSet('k', () => 'fresh', { tags: ['t1'] }),
              );
              await promised(`corrupt ${layout}: set`, () => ns.set('k2', 'fresh2', { tags: ['t1'] }));
              // Repaired: a reported corrupt entry or tag version is replaced by the write.
              if (reported) expect(await ns.get('k')).toBe('fresh');
              expect(await ns.get('k2')).toBe('fresh2');
              // A changed generation is a clear (by design: any change, so garbage too); else the
              // other entry is untouched.
              if (layout !== 'wsGen' && layout !== 'nsGen')
                expect(await ns.get('sentinel')).toEqual({ keep: 1 });
              expect(
                (await promised(`corrupt ${layout}: invalidateTags`, () => ns.invalidateTags(['t1']))).ok,
              ).toBe(true);
              expect((await promised(`corrupt ${layout}: clear`, () => ns.clear())).ok).toBe(true);
              expect(
                (await promised(`corrupt ${layout}: clear workspace`, () => cache.workspace('acme').clear()))
                  .ok,
              ).toBe(true);
              count(`corrupt ${layout}`, reported ? 'reported miss' : 'read as is');
            },
          ),
          { numRuns: RUNS },
        );
        expect(unhandled).toEqual([]);
      },
      TIMEOUT,
    );
  });
}

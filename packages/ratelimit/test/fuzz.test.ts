import { type KvStore, memoryAdapter } from '@raptorflow/core';
import { createFuzzHarness, storeMatrix } from '@raptorflow/core/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AlgorithmName,
  clientAddress,
  createCheckRateLimit,
  createRateLimiter,
  fetchRateLimit,
  ipKey,
  nodeRateLimit,
  type RateLimiter,
  rateLimitHeaders,
  rateLimitProblem,
  trustedProxies,
} from '../src/index.js';
import { uniquePrefix } from './stores.js';

/*
 * Issue 20: bad input never crashes, never loses data, always a typed error. Generated bad
 * options for every public factory, generated bad arguments for every limiter call, on every
 * store, with corrupt state planted under the keys the limiter uses. Asserted for each:
 * - a promise-returning API returns a promise (never throws synchronously);
 * - every failure is a KvError with a code (never a TypeError), and nothing is left unhandled;
 * - no key outside the ones the call names changes (other identifiers' state, planted or not,
 *   and a key outside the prefix).
 * Small by default (a few seconds); RAPTORFLOW_LONG=1 runs twenty times as many. The outcome
 * counts (ok / error code) are printed at the end.
 */

const LONG = process.env.RAPTORFLOW_LONG === '1';
const RUNS = LONG ? 500 : 25;
/** Per-test time limit: the long run on Upstash (HTTP per command) takes about a minute. */
const TIMEOUT = LONG ? 600_000 : 60_000;
const ALGORITHMS: AlgorithmName[] = ['gcra', 'fixed-window', 'sliding-window', 'sliding-log', 'token-bucket'];

/** The contract checks and outcome counts, shared with core's and the other packages' fuzz suites. */
const fuzz = createFuzzHarness();
beforeAll(() => fuzz.start());
afterAll(() => {
  fuzz.stop();
  console.log(fuzz.report(`ratelimit fuzz outcomes (${LONG ? 'long' : 'small'} run):`));
  expect(fuzz.unhandled).toEqual([]);
});

/** A synchronous API: returns, or throws a KvError. */
const sync = (what: string, fn: () => unknown): void => {
  fuzz.sync(what, fn);
};

/** A promise-returning API: returns a promise (no synchronous throw) that resolves or rejects with a KvError. */
const settle = async (what: string, fn: () => unknown): Promise<void> => {
  await fuzz.promised(what, fn);
};

/** Any value, weighted towards the ones validators get wrong. */
const weird = fc.oneof(
  fc.anything(),
  fc.constantFrom(
    undefined,
    null,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    -1,
    0,
    0.5,
    2 ** 60,
    '',
    '\0',
    'x\uD800',
    true,
    [],
    {},
    () => 1,
  ),
  fc.bigInt(),
  fc.string().map((s) => Symbol(s)),
);
/** A value that is valid for some field, or weird. */
const maybe = <T>(valid: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 3, arbitrary: valid }, { weight: 1, arbitrary: weird });

for (const target of storeMatrix()) {
  describe(target.name, () => {
    let store: KvStore;
    beforeAll(async () => {
      store = await target.create();
    });

    it(
      'calls: bad arguments on corrupt state fail typed and touch no other key',
      async () => {
        const plants: Array<(key: string) => Promise<unknown>> = [
          (key) => store.set(key, 'garbage'),
          (key) => store.set(key, '99999999999999:1:1:99999999999999'),
          (key) => store.hset(key, { a: '1' }),
          (key) => store.rpush(key, ['x']),
          (key) => store.zadd(key, { score: 99_999_999_999_999, member: 'x' }),
        ];
        const call = fc.record({
          op: fc.constantFrom('limit', 'peek', 'reset', 'keys', 'check'),
          identifier: fc.oneof(
            { weight: 3, arbitrary: fc.constantFrom('u', 'v', 'x\uD800', 'x\uDBFF', 'a\0b', '{u}', '#h') },
            { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }) },
            { weight: 1, arbitrary: weird },
          ),
          options: fc.oneof(
            weird,
            fc.record(
              {
                cost: maybe(fc.integer({ min: -3, max: 8 })),
                limit: maybe(fc.integer({ min: 1, max: 5 })),
                tenant: maybe(fc.constant('t')),
              },
              { requiredKeys: [] },
            ),
          ),
          plant: fc.array(fc.tuple(fc.nat(), fc.nat(plants.length - 1)), { maxLength: 4 }),
        });
        const limiterOf = (algorithm: AlgorithmName, blocking: boolean): RateLimiter =>
          createRateLimiter({
            store,
            algorithm,
            limits: [
              { name: 'a', limit: 3, window: '1m' },
              { name: 'b', limit: 50, window: '1h' },
            ],
            prefix: uniquePrefix('fuzz'),
            block: blocking ? { after: 2, duration: '1m' } : undefined,
            timeout: '5s',
            blockCache: { max: 8 },
          });
        const check = createCheckRateLimit({ store, prefix: uniquePrefix('fuzz-legacy') });
        const outside = `${uniquePrefix('fuzz-outside')}sentinel`;
        await store.set(outside, 'keep');

        await fc.assert(
          fc.asyncProperty(
            fc.constantFrom(...ALGORITHMS),
            fc.boolean(),
            fc.array(call, { minLength: 1, maxLength: 6 }),
            async (algorithm, blocking, calls) => {
              const rl = limiterOf(algorithm, blocking);
              // Other identifiers' keys, some planted corrupt: no call on another identifier may touch them.
              const others = ['other-1', 'other-2'];
              const watched = [...others.flatMap((id) => rl.keys(id)), outside];
              for (const c of calls) {
                for (const [at, kind] of c.plant) {
                  const key = watched[at % (watched.length - 1)] as string; // never the outside key
                  await store.del(key);
                  await (plants[kind] as (key: string) => Promise<unknown>)(key);
                }
                const before = await dump(store, watched);
                const id = c.identifier as string;
                if (c.op === 'limit') await settle('limit', () => rl.limit(id, c.options as never));
                else if (c.op === 'peek') await settle('peek', () => rl.peek(id, c.options as never));
                else if (c.op === 'reset') await settle('reset', () => rl.reset(id));
                else if (c.op === 'keys') sync('keys', () => rl.keys(id));
                else
                  await settle('checkRateLimit', () =>
                    check({ user_id: id, endpoint: '/e', limit: 2, window_seconds: 60 } as never),
                  );
                if (typeof id === 'string' && others.includes(id)) continue;
                expect(await dump(store, watched)).toEqual(before);
              }
              await store.del(watched.slice(0, -1));
            },
          ),
          { numRuns: RUNS },
        );
        expect(await store.get(outside)).toBe('keep');
        await store.del(outside);
      },
      TIMEOUT,
    );
  });
}

/** Type, value and whether it expires, of each key. */
async function dump(store: KvStore, keys: readonly string[]): Promise<unknown[]> {
  return Promise.all(
    keys.map(async (key) => {
      const type = await store.type(key);
      const ttl = await store.pttl(key);
      const expires = ttl === -1 ? 'never' : ttl === -2 ? 'gone' : 'expires';
      if (type === 'string') return [type, await store.get(key), expires];
      if (type === 'hash') return [type, await store.hgetall(key), expires];
      if (type === 'list') return [type, await store.lrange(key, 0, -1), expires];
      if (type === 'zset')
        return [
          type,
          await store.zrangeByScoreWithScores(key, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY),
          expires,
        ];
      return [type];
    }),
  );
}

describe('factories and helpers', () => {
  const store = memoryAdapter({ sweepIntervalMs: 0 });
  afterAll(() => store.close());

  it(
    'factories: bad options are a KvError (E_INVALID_OPTIONS...), never a TypeError',
    () => {
      // One valid option set with one field replaced, the valid set, then anything at all.
      const VALID = { store: 'store', algorithm: 'gcra', limit: 5, window: '1s' } as const;
      const FIELDS = [
        'store',
        'algorithm',
        'limit',
        'window',
        'burst',
        'limits',
        'prefix',
        'limitFor',
        'block',
      ].concat(['blockCache', 'onStoreError', 'timeout', 'identifiers', 'unknown']);
      const options = fc.oneof(
        fc.tuple(fc.constantFrom(...FIELDS), weird).map(([field, v]) => ({ ...VALID, [field]: v })),
        fc.constant(VALID),
        weird,
        fc.record(
          {
            store: fc.oneof(fc.constant(undefined), fc.constant('store'), fc.constant({})),
            algorithm: maybe(fc.constantFrom(...ALGORITHMS)),
            limit: maybe(fc.integer({ min: 1, max: 2000 })),
            window: maybe(
              fc.oneof(fc.integer({ min: 1, max: 10 ** 8 }), fc.constantFrom('1s', '10ms', '1x', 'ms')),
            ),
            burst: maybe(fc.integer({ min: 1, max: 10 })),
            limits: maybe(
              fc.array(fc.record({ limit: weird, window: weird, name: weird }), { maxLength: 3 }),
            ),
            prefix: maybe(fc.constantFrom('p:', '{p}', '')),
            limitFor: maybe(fc.constantFrom(undefined, () => 2)),
            block: maybe(fc.record({ after: weird, duration: weird, within: weird })),
            blockCache: maybe(fc.constantFrom(undefined, false, { max: 5 })),
            onStoreError: maybe(fc.constantFrom('fail-open', 'fail-closed', 'fallback', 'nope')),
            timeout: maybe(fc.constantFrom(undefined, 0, '1s', 100)),
            identifiers: maybe(fc.constantFrom('escape', 'hash', 'plain')),
          },
          { requiredKeys: [] },
        ),
      );
      fc.assert(
        fc.property(options, weird, weird, (o, a, b) => {
          // The store field, when present as a marker, becomes the real store (else the bad value).
          const withStore = (v: unknown) =>
            typeof v === 'object' &&
            v !== null &&
            !Array.isArray(v) &&
            (v as { store?: unknown }).store === 'store'
              ? { ...v, store }
              : v;
          sync('createRateLimiter', () => createRateLimiter(withStore(o) as never));
          sync('createCheckRateLimit', () => createCheckRateLimit(withStore(o) as never));
          sync('nodeRateLimit', () => nodeRateLimit(a as never, b as never));
          sync('fetchRateLimit', () => fetchRateLimit(a as never, b as never));
          sync('trustedProxies', () => trustedProxies(a as never));
          sync('ipKey', () => ipKey(a as never, b as never));
          sync('clientAddress', () => clientAddress(a as never));
        }),
        { numRuns: RUNS * 20 },
      );
    },
    TIMEOUT,
  );

  it(
    'middlewares: whatever key() and cost() return, the request settles with a KvError or an answer',
    async () => {
      const limiter = createRateLimiter({ store, limit: 3, window: '1m', prefix: uniquePrefix('fuzz-mw') });
      await fc.assert(
        fc.asyncProperty(weird, weird, async (key, cost) => {
          const options = { key: () => key as never, cost: () => cost as never };
          await settle('fetchRateLimit()', () =>
            fetchRateLimit(limiter, options)(new Request('http://127.0.0.1/')),
          );
          const passed: unknown[] = [];
          const res = { statusCode: 200, setHeader: () => undefined, end: () => undefined };
          await settle('nodeRateLimit()', () =>
            nodeRateLimit(limiter, options)({}, res, (e?: unknown) => passed.push(e)),
          );
          // next is called once: with nothing, or with a typed error; or the request was answered.
          expect(passed.length).toBeLessThanOrEqual(1);
          if (passed[0] !== undefined)
            fuzz.sync('nodeRateLimit() next(error)', () => {
              throw passed[0];
            });
        }),
        { numRuns: RUNS * 4 },
      );
    },
    TIMEOUT,
  );

  it(
    'rateLimitHeaders and rateLimitProblem of a foreign result: headers or a KvError',
    () => {
      fc.assert(
        fc.property(weird, weird, (result, options) => {
          sync('rateLimitHeaders', () => rateLimitHeaders(result as never, options as never));
          sync('rateLimitProblem', () => rateLimitProblem(result as never));
        }),
        { numRuns: RUNS * 20 },
      );
    },
    TIMEOUT,
  );
});

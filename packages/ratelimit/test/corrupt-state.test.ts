import type { KvStore } from '@raptorflow/core';
import { type FeatureEvent, featureEvents } from '@raptorflow/core/kit';
import { storeMatrix } from '@raptorflow/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRateLimiter } from '../src/index.js';
import type { AlgorithmName } from '../src/scripts/index.js';
import { uniquePrefix } from './stores.js';

/*
 * Unreadable state at a limiter's key (a value no limiter writes, or a key of another Redis
 * type), planted without a TTL, is read as a missing key, deleted and rewritten by the call,
 * and reported as a `repair` event, identically on every store. Before: memory answered
 * `allowed: false` with `remaining: -9007199254740991`, Redis failed with E_SCRIPT (and under
 * `fail-open` admitted everything), and since a rejected call writes nothing, for as long as
 * the key lived.
 */

const STRING_ALGORITHMS: AlgorithmName[] = ['gcra', 'fixed-window', 'sliding-window', 'token-bucket'];

type Plant = (store: KvStore, key: string) => Promise<unknown>;
const foreignString =
  (value: string): Plant =>
  (store, key) =>
    store.set(key, value);
const hash: Plant = (store, key) => store.hset(key, { a: '1' });
const list: Plant = (store, key) => store.rpush(key, ['x']);
const zset: Plant = (store, key) => store.zadd(key, { score: 1, member: 'x' });

/** Plants at a string algorithm's key; every one of them failed or locked out before. */
const STRING_PLANTS: Record<string, Plant> = {
  garbage: foreignString('garbage'),
  'too many digits': foreignString('1234567890123456:1:1:1'),
  hash,
  list,
  zset,
};
/** Values that parse but that no writer produces: a state far in the future. */
const FUTURE: Partial<Record<AlgorithmName, string>> = {
  gcra: '99999999999999:0:5',
  'token-bucket': '99999999999999:0:60000:99999999999999',
};
const LOG_PLANTS: Record<string, Plant> = {
  garbage: foreignString('garbage'),
  hash,
  list,
  'a far-future score': (store, key) => store.zadd(key, { score: 99_999_999_999_999, member: 'x' }),
  'an infinite score': (store, key) => store.zadd(key, { score: Number.POSITIVE_INFINITY, member: 'x' }),
};
const BLOCK_PLANTS: Record<string, Plant> = {
  garbage: foreignString('garbage'),
  hash,
  'a block far longer than the option': foreignString('b99999999999999'),
};

for (const target of storeMatrix()) {
  describe(target.name, () => {
    let store: KvStore;
    beforeAll(async () => {
      store = await target.create();
    });

    const check = async (algorithm: AlgorithmName, plant: Plant, block: boolean) => {
      const limiter = createRateLimiter({
        store,
        algorithm,
        limit: 5,
        window: '1m',
        prefix: uniquePrefix('corrupt'),
        block: block ? { after: 1, duration: '1m' } : undefined,
      });
      const [key, blockKey] = limiter.keys('u');
      const target = block ? (blockKey as string) : (key as string);
      await plant(store, target);
      const seen: FeatureEvent[] = [];
      const off = featureEvents(store).on('operation', (e) => seen.push(e));
      try {
        const first = await limiter.limit('u', { tenant: 't' });
        expect({ allowed: first.allowed, remaining: first.remaining, reason: first.reason }).toEqual({
          allowed: true,
          remaining: 4,
          reason: 'allowed',
        });
        const repairs = seen.filter((e) => e.operation === 'repair');
        expect(repairs.map((e) => [e.outcome, e.tenant, e.detail])).toEqual([
          ['repaired', 't', { keys: 1, algorithm, limiter: algorithm }],
        ]);
        // Rewritten as the limiter's own state (with an expiry), and read as such from now on.
        expect(await store.type(key as string)).toBe(algorithm === 'sliding-log' ? 'zset' : 'string');
        expect(await store.pttl(key as string)).toBeGreaterThan(0);
        if (block) expect(await store.type(target)).toBe('none');
        const second = await limiter.limit('u');
        expect([second.allowed, second.remaining]).toEqual([true, 3]);
        expect(seen.filter((e) => e.operation === 'repair')).toHaveLength(1);
      } finally {
        off();
        await limiter.reset('u');
      }
    };

    for (const algorithm of STRING_ALGORITHMS) {
      describe(algorithm, () => {
        const plants = { ...STRING_PLANTS };
        const future = FUTURE[algorithm];
        if (future) plants['a far-future state'] = foreignString(future);
        for (const [name, plant] of Object.entries(plants)) {
          it(`${name} at the limit key is read as missing and rewritten`, () =>
            check(algorithm, plant, false));
        }
      });
    }

    describe('sliding-log', () => {
      for (const [name, plant] of Object.entries(LOG_PLANTS)) {
        it(`${name} at the log key is read as missing and rewritten`, () =>
          check('sliding-log', plant, false));
      }
    });

    describe('the block key', () => {
      for (const [name, plant] of Object.entries(BLOCK_PLANTS)) {
        it(`${name} is read as no block and deleted`, () => check('gcra', plant, true));
      }
    });

    it('a rejected call on corrupt state still repairs it (peek, and a cost above the limit)', async () => {
      const limiter = createRateLimiter({ store, limit: 5, window: '1m', prefix: uniquePrefix('corrupt') });
      const [key] = limiter.keys('u') as [string];
      await store.set(key, 'garbage');
      const peek = await limiter.peek('u');
      expect([peek.allowed, peek.remaining]).toEqual([true, 5]);
      expect(await store.type(key)).toBe('none');
      await store.hset(key, { a: '1' });
      const tooMuch = await limiter.limit('u', { cost: 6 });
      expect([tooMuch.allowed, tooMuch.remaining, tooMuch.retryAfter]).toEqual([
        false,
        5,
        Number.POSITIVE_INFINITY,
      ]);
      expect(await store.type(key)).toBe('none');
    });

    it('fail-open no longer admits everything: corrupt state is repaired, then counted', async () => {
      const limiter = createRateLimiter({
        store,
        limit: 2,
        window: '1m',
        prefix: uniquePrefix('corrupt'),
        onStoreError: 'fail-open',
        blockCache: false,
      });
      await store.set(limiter.keys('u')[0] as string, 'garbage');
      const allowed: boolean[] = [];
      for (let i = 0; i < 4; i++) allowed.push((await limiter.limit('u')).allowed);
      expect(allowed).toEqual([true, true, false, false]);
      await limiter.reset('u');
    });
  });
}

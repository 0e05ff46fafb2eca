import { isKvError, type KvStore, memoryAdapter } from '@raptorflow/core';
import { storeMatrix } from '@raptorflow/core/testing';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRateLimiter } from '../src/index.js';
import type { AlgorithmName } from '../src/scripts/index.js';
import { uniquePrefix } from './stores.js';

const ALGORITHMS: AlgorithmName[] = ['gcra', 'fixed-window', 'sliding-window', 'sliding-log', 'token-bucket'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/*
 * Fixed and sliding windows are epoch-aligned on the store's clock: a test whose calls straddle
 * a window boundary sees a new window mid-test (a sliding window weighs the old one by the time
 * elapsed), and a slow machine makes that likelier. The window-insensitive tests use a one-hour
 * window, and before each of them the store's clock (TIME on Redis) is read: within the last
 * MARGIN_MS of a window, the test starts after the boundary instead. MARGIN_MS is the test
 * timeout, so no test that passes can reach the next boundary.
 */
const WINDOW = '1h';
const WINDOW_MS = 3_600_000;
const MARGIN_MS = 20_000;
const WINDOWED: AlgorithmName[] = ['fixed-window', 'sliding-window'];

// Core's matrix: memory, ioredis, ioredis Cluster (3 masters), Upstash through the local REST server.
for (const target of storeMatrix()) {
  describe(`${target.name}`, () => {
    let store: KvStore;
    beforeAll(async () => {
      store = await target.create();
    });

    for (const algorithm of ALGORITHMS) {
      describe(algorithm, () => {
        beforeEach(async () => {
          if (!WINDOWED.includes(algorithm)) return;
          const left = WINDOW_MS - ((await store.time()) % WINDOW_MS);
          if (left < MARGIN_MS) await sleep(left + 50);
        }, MARGIN_MS + 10_000);

        const make = (extra: Partial<Parameters<typeof createRateLimiter>[0]> = {}) =>
          createRateLimiter({
            store,
            algorithm,
            limit: 3,
            window: WINDOW,
            prefix: uniquePrefix(algorithm),
            ...extra,
          });

        it('admits the limit, then rejects without using quota', async () => {
          const rl = make();
          const seen = [];
          for (let i = 0; i < 3; i++) seen.push(await rl.limit('alice'));
          expect(seen.map((r) => [r.allowed, r.remaining, r.reason])).toEqual([
            [true, 2, 'allowed'],
            [true, 1, 'allowed'],
            [true, 0, 'allowed'],
          ]);
          const rejected = await rl.limit('alice', { cost: 1 });
          expect(rejected).toMatchObject({ allowed: false, remaining: 0, reason: 'limited', limit: 3 });
          expect(rejected.retryAfter).toBeGreaterThan(0);
          expect(rejected.retryAfter).toBeLessThanOrEqual(
            algorithm === 'sliding-window' ? 2 * WINDOW_MS : WINDOW_MS,
          );
          // A rejected call took nothing: a refund of one makes exactly one call fit again.
          expect((await rl.limit('bob', { cost: 2 })).remaining).toBe(1);
          expect((await rl.limit('bob', { cost: 2 })).allowed).toBe(false);
          expect((await rl.peek('bob')).remaining).toBe(1);
          expect((await rl.limit('bob', { cost: -1 })).allowed).toBe(true);
          expect((await rl.peek('bob')).remaining).toBe(2);
          expect((await rl.limit('bob', { cost: 2 })).allowed).toBe(true);
        });

        it('a cost above the limit never fits and reports an infinite retry', async () => {
          const rl = make({ blockCache: false });
          const r = await rl.limit('carol', { cost: 4 });
          expect(r.allowed).toBe(false);
          expect(r.retryAfter).toBe(Number.POSITIVE_INFINITY);
          expect((await rl.peek('carol')).remaining).toBe(3);
        });

        it('several limits are taken from all or none, atomically', async () => {
          const rl = createRateLimiter({
            store,
            algorithm,
            prefix: uniquePrefix(`${algorithm}-multi`),
            limits: [
              { name: 'burst', limit: 2, window: WINDOW }, // a day's boundaries are hours'
              { name: 'daily', limit: 5, window: '1d' },
            ],
          });
          expect((await rl.limit('dave')).allowed).toBe(true);
          expect((await rl.limit('dave')).allowed).toBe(true);
          const third = await rl.limit('dave');
          expect(third.allowed).toBe(false);
          expect(third.policies.map((p) => [p.name, p.remaining])).toEqual([
            ['burst', 0],
            ['daily', 3],
          ]);
          expect(third.limit).toBe(2);
          const peek = await rl.peek('dave');
          expect(peek.policies.map((p) => p.remaining)).toEqual([0, 3]);
          // Every key written has an expiry.
          for (const key of rl.keys('dave')) expect(await store.pttl(key)).toBeGreaterThan(0);
        });

        it('sub-second windows roll over exactly', async () => {
          const W = 200;
          const rl = make({ limit: 2, window: `${W}ms`, blockCache: false });
          await rl.peek('warm-up'); // connection and script ready before the timed pair
          const first = await rl.limit('erin', { cost: 2 });
          expect(first.allowed).toBe(true);
          const second = await rl.limit('erin', { cost: 2 });
          // Decided on the store's clock: the full cost fits again only once a whole window has
          // passed (two aligned windows for the sliding counter).
          const elapsed = second.now - first.now;
          const fits =
            algorithm === 'sliding-window'
              ? Math.floor(second.now / W) - Math.floor(first.now / W) >= 2
              : elapsed >= W;
          expect(second.allowed).toBe(fits);
          if (!fits)
            expect(second.retryAfter).toBeLessThanOrEqual(algorithm === 'sliding-window' ? 2 * W : W);
          // The key lives at most W (2W for the sliding counter). PTTL is read after the call: on a
          // busy machine (Upstash: an HTTP round trip) the key can be gone by then, and -2 shows
          // an expiry but not its bound. Write again under a fresh identifier until a read
          // catches the key alive (the store's state decides, not the machine's speed).
          let pttl = await store.pttl(rl.keys('erin')[0] as string);
          for (let i = 0; pttl === -2 && i < 50; i++) {
            await rl.limit(`erin-${i}`, { cost: 2 });
            pttl = await store.pttl(rl.keys(`erin-${i}`)[0] as string);
          }
          expect(pttl).toBeGreaterThan(0);
          expect(pttl).toBeLessThanOrEqual(algorithm === 'sliding-window' ? 2 * W : W);
          await sleep(algorithm === 'sliding-window' ? 2 * W + 10 : W + 10);
          expect((await rl.limit('erin', { cost: 2 })).allowed).toBe(true);
        });

        it('per-call and per-identifier limits', async () => {
          const rl = make({ limitFor: (id) => (id === 'vip' ? 10 : undefined), blockCache: false });
          for (let i = 0; i < 10; i++) expect((await rl.limit('vip')).allowed).toBe(true);
          expect((await rl.limit('vip')).allowed).toBe(false);
          expect((await rl.limit('frank', { limit: 1 })).allowed).toBe(true);
          expect((await rl.limit('frank', { limit: 1 })).allowed).toBe(false);
        });

        it('penalty block after repeated abuse, cached in process, cleared by reset', async () => {
          const rl = make({ limit: 1, block: { after: 2, duration: '1m' } });
          expect((await rl.limit('mallory')).allowed).toBe(true);
          expect((await rl.limit('mallory', { cost: 2 })).reason).toBe('limited');
          const blocked = await rl.limit('mallory', { cost: 2 });
          expect(blocked.reason).toBe('blocked');
          expect(blocked.retryAfter).toBeGreaterThanOrEqual(59_000);
          expect((await rl.limit('mallory')).reason).toBe('cache-block');
          const fresh = make({ limit: 1, block: { after: 2, duration: '1m' }, prefix: rl.options.prefix });
          expect((await fresh.limit('mallory')).reason).toBe('blocked');
          for (const key of rl.keys('mallory')) expect(await store.pttl(key)).not.toBe(-1);
          await rl.reset('mallory');
          expect((await rl.limit('mallory')).allowed).toBe(true);
        });

        it('identifiers are escaped: no collisions, no glob or slot tricks', async () => {
          const rl = make({ limit: 1, blockCache: false });
          // Lone surrogates once shared a bucket (both read as U+FFFD), escaped and hashed alike.
          const long = 'y'.repeat(300);
          const ids = [
            'a*',
            'alice',
            'a:b',
            'a{b}c',
            '}{',
            'ü',
            '\ud800',
            'x\ud800',
            'x\udbff',
            'x%uD800',
          ].concat(['x'.repeat(500), `${long}\ud800`, `${long}\udbff`, `${long}\ufffd`, '%41', 'A']);
          for (const id of ids) expect((await rl.limit(id)).allowed).toBe(true);
          for (const id of ids) expect((await rl.limit(id)).allowed).toBe(false);
          await rl.reset('a*');
          expect((await rl.limit('a*')).allowed).toBe(true);
          expect((await rl.limit('alice')).allowed).toBe(false);
        });
      });
    }
  });
}

describe('options', () => {
  const store = memoryAdapter({ sweepIntervalMs: 0 });
  const invalid = (fn: () => unknown, field: string) => {
    try {
      fn();
    } catch (error) {
      expect(isKvError(error, 'E_INVALID_OPTIONS')).toBe(true);
      // One format for every package: `<where>: <field>: <problem>`.
      expect((error as Error).message).toMatch(/createRateLimiter: [\w.]+: /);
      expect((error as Error).message).toContain(field);
      return;
    }
    throw new Error('expected E_INVALID_OPTIONS');
  };

  it('refuses what the store cannot represent, naming the field', () => {
    invalid(() => createRateLimiter({ store, limit: 1, window: 0.5 }), 'window');
    invalid(() => createRateLimiter({ store, limit: 1, window: '1.0001s' }), 'window');
    invalid(() => createRateLimiter({ store, limit: 1, window: '10 fortnights' as never }), 'window');
    invalid(() => createRateLimiter({ store, limit: 0, window: '1s' }), 'limit');
    invalid(() => createRateLimiter({ store, limit: 2 ** 40, window: '1d' }), 'window');
    invalid(
      () => createRateLimiter({ store, algorithm: 'sliding-log', limit: 5000, window: '1s' }),
      'limit: must be at most 1000',
    );
    invalid(() => createRateLimiter({ store, limit: 1, window: '1s', prefix: 'a{b' }), 'prefix');
    invalid(() => createRateLimiter({ store, limit: 1, window: '1s', burst: 3 }), 'burst');
    invalid(
      () =>
        createRateLimiter({
          store,
          limits: [
            { limit: 1, window: '1s' },
            { limit: 2, window: 1000 },
          ],
        }),
      'name',
    );
    invalid(() => createRateLimiter({ store, limit: 1 }), 'window');
  });

  it('accepts ms numbers and duration strings', () => {
    expect(createRateLimiter({ store, limit: 1, window: '250ms' }).options.policies[0]?.window).toBe(250);
    expect(createRateLimiter({ store, limit: 1, window: '1.5m' }).options.policies[0]?.window).toBe(90_000);
    expect(createRateLimiter({ store, limit: 1, window: 10 }).options.policies[0]?.window).toBe(10);
  });
});

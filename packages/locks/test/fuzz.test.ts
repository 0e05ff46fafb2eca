import type { KvStore } from '@raptorflow/core';
import { KV_ERROR_CODES } from '@raptorflow/core/driver';
import { createFuzzHarness, randomPrefix, storeMatrix } from '@raptorflow/core/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLegacyLocks, createLocks, LOCK_ERRORS, type Lock, type Locks } from '../src/index.js';

/*
 * Bad input never crashes, hangs or leaks a raw TypeError: generated hostile options go to
 * every factory, hostile arguments to every method, and corrupt values are planted under every
 * key the package uses before every operation runs on them. Each promise-returning call must
 * return a promise (never throw synchronously) and settle with a value or a KvError whose code
 * is core's or the package's; a factory or `semaphore()` throws only KvErrors. An unhandled
 * rejection fails the run (vitest's default). `pnpm verify:long` (RAPTORFLOW_LONG=1) runs 10×.
 */

const LONG = process.env.RAPTORFLOW_LONG === '1';
const RUNS = LONG ? 1_500 : 150;
const CODES = new Set<string>([...Object.keys(KV_ERROR_CODES), ...Object.keys(LOCK_ERRORS.codes)]);

const throwing = {
  toString() {
    throw new Error('toString called');
  },
};
const hostile = fc.oneof(
  fc.constantFrom<unknown>(
    undefined,
    null,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    -1,
    0,
    1.5,
    2 ** 60,
    10n,
    Symbol('s'),
    () => 'f',
    throwing,
    'x\uD800',
    '{tag}',
    '',
    [],
    {},
    Object.create(null),
    new Date(0),
    '10s',
    '1.5ms',
  ),
  fc.anything({ withBigInt: true, withNullPrototype: true, maxDepth: 2 }),
);
const nearValidOptions = fc.record(
  {
    ttl: fc.oneof(fc.constantFrom(50, '1s', '30s'), hostile),
    wait: fc.oneof(fc.constantFrom(0, 10, '20ms'), hostile),
    retry: fc.oneof(
      fc.record({ minDelay: fc.oneof(fc.constant(5), hostile), maxDelay: hostile }, { requiredKeys: [] }),
      hostile,
    ),
    signal: fc.oneof(fc.constant(undefined), hostile),
    autoExtend: fc.oneof(fc.boolean(), hostile),
    permits: fc.oneof(fc.integer({ min: 0, max: 4 }), hostile),
  },
  { requiredKeys: [] },
);
const resource = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('r1', 'r2', 'r3') },
  { weight: 1, arbitrary: hostile },
);
const options = fc.oneof({ weight: 3, arbitrary: nearValidOptions }, { weight: 1, arbitrary: hostile });

/** The contract checks and outcome counts, shared with core's and the other packages' fuzz suites. */
const fuzz = createFuzzHarness();
beforeAll(() => fuzz.start());
afterAll(() => {
  fuzz.stop();
  console.log(fuzz.report(`locks fuzz (${LONG ? 'long' : 'small'}): outcomes`));
  expect(fuzz.unhandled).toEqual([]);
  // Failures carry core's codes or the package's own.
  const codes = [...fuzz.outcomes.keys()]
    .map((k) => k.slice(k.lastIndexOf(' ') + 1))
    .filter((c) => c.startsWith('E_'));
  expect(codes.filter((c) => !CODES.has(c))).toEqual([]);
});

/** What {@link settles} returns for a call that failed (with a KvError: anything else fails the run). */
const FAILED = Symbol('failed');

/** Settle `run()`: it must return a promise that settles with a value or a KvError. */
async function settles(what: string, run: () => unknown): Promise<unknown> {
  const outcome = await fuzz.promised(what, run);
  return outcome.ok ? outcome.value : FAILED;
}

async function cleanup(value: unknown): Promise<void> {
  if (value && typeof value === 'object' && 'release' in value && 'token' in value) {
    await (value as Lock).release().catch(() => undefined);
  }
}

describe.each(storeMatrix({ only: ['memory', 'ioredis'] }))('$name', ({ create }) => {
  let store: KvStore;
  let locks: Locks;
  beforeAll(async () => {
    store = (await create()).namespace(randomPrefix());
    locks = createLocks({ store, ttl: '5s', wait: 0 });
  });
  afterAll(() => locks.close());

  it('factories throw only E_INVALID_OPTIONS on hostile options', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          hostile,
          fc.record(
            {
              store: fc.constant(store),
              ttl: hostile,
              wait: hostile,
              retry: hostile,
              prefix: hostile,
              group: hostile,
            },
            { requiredKeys: ['store'] },
          ),
        ),
        (o) => {
          for (const [name, factory] of [
            ['createLocks', createLocks],
            ['createLegacyLocks', createLegacyLocks],
          ] as const) {
            const out = fuzz.sync(name, () => factory(o as never));
            if (!out.ok) expect(out.code).toBe('E_INVALID_OPTIONS');
            else void (out.value as { close?: () => Promise<void>; locks?: Locks }).locks?.close();
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('every method settles with a value or a KvError on hostile arguments', async () => {
    const legacy = createLegacyLocks({ store, wait: 0 });
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          'acquire',
          'withLock',
          'release',
          'fencedWrite',
          'fencedRead',
          'semaphore',
          'extend',
          'legacy',
        ),
        resource,
        options,
        hostile,
        async (method, r, o, extra) => {
          if (method === 'acquire')
            return cleanup(await settles('acquire', () => locks.acquire(r as never, o as never)));
          if (method === 'withLock') {
            const fn = typeof extra === 'function' ? () => 'ok' : extra;
            return cleanup(
              await settles('withLock', () => locks.withLock(r as never, fn as never, o as never)),
            );
          }
          if (method === 'release')
            return void (await settles('release', () => locks.release(r as never, extra as never)));
          if (method === 'fencedWrite') {
            return void (await settles('fencedWrite', () =>
              locks.fencedWrite(r as never, extra as never, (o as { permits?: unknown })?.permits as never),
            ));
          }
          if (method === 'fencedRead')
            return void (await settles('fencedRead', () => locks.fencedRead(r as never)));
          if (method === 'semaphore') {
            const sem = fuzz.sync('semaphore', () => locks.semaphore(r as never, extra as never));
            if (!sem.ok) return;
            return cleanup(
              await settles('semaphore.acquire', () =>
                (sem.value as ReturnType<Locks['semaphore']>).acquire(o as never),
              ),
            );
          }
          if (method === 'extend') {
            const lock = await locks.acquire('ext', { ttl: '5s' });
            await settles('extend', () => lock.extend(extra as never));
            return cleanup(lock);
          }
          await settles('legacy.acquire', () => legacy.acquire(r as never, extra as never));
          await settles('legacy.release', () => legacy.release(r as never));
          return cleanup(await settles('legacy.lock', () => legacy.lock(r as never, extra as never)));
        },
      ),
      { numRuns: RUNS },
    );
    await legacy.locks.close();
  });

  it('corrupt state under every key of the package gives KvErrors, never a crash', async () => {
    const KEYS = ['lock', 'fence', 'waiters', 'holders', 'permits', 'data'];
    const plant = fc.constantFrom<[string, (k: string) => Promise<unknown>]>(
      ['string', (k) => store.set(k, 'garbage')],
      ['number-ish', (k) => store.set(k, '1.5')],
      ['hash', (k) => store.hset(k, { fence: 'x', value: 'v', t: 'NaN' })],
      ['zset', (k) => store.zadd(k, [{ member: 'm', score: 1 }])],
      ['list', (k) => store.rpush(k, ['a'])],
    );
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...KEYS), plant, async (key, [, put]) => {
        n += 1;
        const name = `c${n}`;
        await put(`rf:locks:{${name}}:${key}`);
        await cleanup(await settles('acquire', () => locks.acquire(name)));
        await cleanup(await settles('semaphore', () => locks.semaphore(name, 2).acquire({ permits: 1 })));
        const sem = await settles('semaphore', () => locks.semaphore(name, 2).acquire());
        if (sem !== FAILED) {
          await put(`rf:locks:{${name}}:holders`).catch(() => undefined);
          await settles('semaphore extend', () => (sem as Lock).extend());
          await settles('semaphore release', () => (sem as Lock).release());
        }
        await settles('release', () => locks.release(name, 'tok'));
        await settles('fencedWrite', () => locks.fencedWrite(name, 'v', 3));
        await settles('fencedRead', () => locks.fencedRead(name));
        await settles('withLock', () => locks.withLock(name, () => 1));
        await store.del(KEYS.map((k) => `rf:locks:{${name}}:${k}`));
      }),
      { numRuns: LONG ? 300 : 60 },
    );
  });
});

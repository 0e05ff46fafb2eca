import { isKvError, type KvStore } from '@raptorflow/core';
import { KV_ERROR_CODES } from '@raptorflow/core/driver';
import { randomPrefix, storeMatrix } from '@raptorflow/core/testing';
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

/** Settle `run()`: it must return a promise, and reject only with a known KvError. */
async function settles(what: string, run: () => unknown): Promise<unknown> {
  let promise: unknown;
  try {
    promise = run();
  } catch (error) {
    throw new Error(`${what} threw synchronously: ${String(error)}`, { cause: error });
  }
  expect(promise, `${what} returns a promise`).toBeInstanceOf(Promise);
  try {
    return await (promise as Promise<unknown>);
  } catch (error) {
    if (!isKvError(error) || !CODES.has(error.code)) {
      throw new Error(`${what} rejected with ${String(error)}`, { cause: error });
    }
    return error;
  }
}

/** A sync call (a factory) returns or throws a KvError with a known code. */
function throwsOnlyKvErrors(what: string, run: () => unknown): unknown {
  try {
    return run();
  } catch (error) {
    if (!isKvError(error) || !CODES.has(error.code))
      throw new Error(`${what} threw ${String(error)}`, { cause: error });
    return error;
  }
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
            const out = throwsOnlyKvErrors(name, () => factory(o as never));
            if (isKvError(out)) expect(out.code).toBe('E_INVALID_OPTIONS');
            else void (out as { close?: () => Promise<void>; locks?: Locks }).locks?.close();
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
            const sem = throwsOnlyKvErrors('semaphore', () => locks.semaphore(r as never, extra as never));
            if (isKvError(sem)) return;
            return cleanup(
              await settles('semaphore.acquire', () =>
                (sem as ReturnType<Locks['semaphore']>).acquire(o as never),
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
        if (!isKvError(sem)) {
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

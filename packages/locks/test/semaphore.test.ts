import { type KvStore, memoryAdapter } from '@raptorflow/core';
import { expectCode, randomPrefix, storeMatrix, until } from '@raptorflow/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocks, type Locks } from '../src/index.js';

describe.each(storeMatrix())('$name', ({ create }) => {
  let store: KvStore;
  let locks: Locks;
  beforeAll(async () => {
    store = (await create()).namespace(randomPrefix());
    locks = createLocks({ store, ttl: '30s', wait: 0 });
  });
  afterAll(() => locks.close());

  it('admits at most limit permits, several per acquire, and gives them back on release', async () => {
    const pool = locks.semaphore('pool', 3);
    const two = await pool.acquire({ permits: 2 });
    const one = await pool.acquire();
    expect(one.fence).toBe(two.fence + 1);
    await expectCode(pool.acquire(), 'E_LOCK_HELD');
    await two.release();
    await expectCode(pool.acquire({ permits: 3 }), 'E_LOCK_HELD');
    const again = await pool.acquire({ permits: 2 });
    await again.release();
    await one.release();
    // Nobody holds a permit: both keys are gone.
    expect(await store.exists(['rf:locks:{pool}:holders', 'rf:locks:{pool}:permits'])).toBe(0);
  });

  it('extends and releases only by the owner token; a removed holder is lost', async () => {
    const pool = locks.semaphore('owned', 2);
    const lock = await pool.acquire();
    await lock.extend('1m');
    await store.zrem('rf:locks:{owned}:holders', [lock.token]); // as if it expired and was pruned
    await expectCode(lock.extend(), 'E_LOCK_LOST');
    expect(lock.signal.aborted).toBe(true);
    expect(await store.zscore('rf:locks:{owned}:holders', lock.token)).toBeNull();
  });

  it('a waiter gets a permit when one is released', async () => {
    const pool = locks.semaphore('wait', 1);
    const held = await pool.acquire();
    const waiting = pool.acquire({ wait: '2m', retry: { minDelay: '1m', maxDelay: '1m' } });
    await until(() => locks.waiting === 1);
    await held.release();
    await (await waiting).release();
  });

  it('refuses bad limits and permits', async () => {
    expect(() => locks.semaphore('x', 0)).toThrowError(
      expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }),
    );
    expect(() => locks.semaphore('x', 1.5)).toThrowError(
      expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }),
    );
    const pool = locks.semaphore('x', 2);
    for (const permits of [0, 3, 1.5, '1']) {
      await expectCode(pool.acquire({ permits } as never), 'E_INVALID_ARGUMENT');
    }
  });
});

describe('semaphore expiry on the store clock', () => {
  let now = 1_800_000_000_000;
  const store = memoryAdapter({ clock: () => now, sweepIntervalMs: 0 });
  const locks = createLocks({ store, wait: 0 });
  afterAll(async () => {
    await locks.close();
    await store.close();
  });

  it('an expired holder’s permits come back, decided by the store’s time alone', async () => {
    const pool = locks.semaphore('clock', 2);
    const a = await pool.acquire({ ttl: '10s', permits: 2 });
    now += 9_999;
    await expectCode(pool.acquire(), 'E_LOCK_HELD');
    now += 1; // the holder's expiry instant: gone
    const b = await pool.acquire({ ttl: '10s' });
    // The expired owner can neither extend nor release what is no longer its own.
    await expectCode(a.extend(), 'E_LOCK_LOST');
    await b.release();
  });
});

import { isKvError, type KvStore, memoryAdapter } from '@raptorflow/core';
import { type FeatureEvent, featureEvents } from '@raptorflow/core/kit';
import { expectCode } from '@raptorflow/core/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLocks, type LockLostEvent, type Locks } from '../src/index.js';

/*
 * Auto-extension on fake timers: the watchdog's timer and `Date.now()` are vitest's, and the
 * memory store's clock is `Date.now()` plus a skew the test controls, so "the store's time
 * jumped past the TTL while this process slept" (a laptop lid, a SIGSTOP, a GC pause) is one
 * assignment, not a race with the wall clock.
 */

let skew = 0;
let store: KvStore;
let locks: Locks;
let operations: FeatureEvent[];
let lost: LockLostEvent[];
let offs: Array<() => void>;
beforeEach(() => {
  vi.useFakeTimers({ now: 1_800_000_000_000 });
  skew = 0;
  store = memoryAdapter({ clock: () => Date.now() + skew, sweepIntervalMs: 0 });
  locks = createLocks({ store, ttl: '3s', wait: 0 });
  operations = [];
  lost = [];
  offs = [
    featureEvents(store).on('operation', (e) => operations.push(e)),
    locks.events.on('lost', (e) => lost.push(e)),
  ];
});
afterEach(async () => {
  for (const off of offs) off();
  await locks.close();
  await store.close();
  vi.useRealTimers();
});

const KEY = 'rf:locks:{job}:lock';
const gate = () => {
  let open!: () => void;
  const closed = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { closed, open };
};

describe('withLock auto-extension', () => {
  it('keeps the lock past its TTL, a third of the TTL at a time', async () => {
    const g = gate();
    let signal: AbortSignal | undefined;
    const run = locks.withLock('job', async (s) => {
      signal = s;
      await g.closed;
      return 'done';
    });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(await store.pttl(KEY)).toBeGreaterThan(0);
    expect(signal?.aborted).toBe(false);
    // 10 s at one extension per second (a third of 3 s).
    const extends_ = operations.filter((e) => e.operation === 'extend' && e.outcome === 'extended');
    expect(extends_.length).toBe(10);
    g.open();
    expect(await run).toBe('done');
    expect(await store.exists(KEY)).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('redis-semaphore #175: a lock that expired between refreshes is reported lost, never re-acquired', async () => {
    const g = gate();
    let signal: AbortSignal | undefined;
    const run = locks.withLock('job', async (s) => {
      signal = s;
      await g.closed;
      return 'done';
    });
    await vi.advanceTimersByTimeAsync(1);
    // The process slept through its lock's TTL: on the store's clock the lock expired.
    skew += 5_000;
    expect(await store.exists(KEY)).toBe(0);
    await vi.advanceTimersByTimeAsync(1_000); // the next refresh
    expect(signal?.aborted).toBe(true);
    expect(isKvError(signal?.reason) && signal.reason.code).toBe('E_LOCK_LOST');
    expect(await store.exists(KEY)).toBe(0);
    expect(lost.map((e) => e.error.code)).toEqual(['E_LOCK_LOST']);
    // fn finished after the loss: withLock says its work ran without the lock.
    g.open();
    await expectCode(run, 'E_LOCK_LOST');
    expect(await store.exists(KEY)).toBe(0);
  });

  it('a store failing during extension aborts the signal at expiry and reports it, with no unhandled rejection', async () => {
    const g = gate();
    let signal: AbortSignal | undefined;
    const run = locks.withLock('job', async (s) => {
      signal = s;
      await g.closed;
    });
    await vi.advanceTimersByTimeAsync(1);
    await store.close(); // every store call now rejects (E_CLOSED)
    await vi.advanceTimersByTimeAsync(2_000);
    expect(signal?.aborted).toBe(false); // still valid by the local clock: retried, not given up
    await vi.advanceTimersByTimeAsync(2_000);
    expect(signal?.aborted).toBe(true);
    expect(isKvError(signal?.reason) && signal.reason.code).toBe('E_LOCK_EXPIRED');
    expect(lost.map((e) => e.error.code)).toEqual(['E_LOCK_EXPIRED']);
    expect(operations.filter((e) => e.operation === 'extend').every((e) => e.outcome === 'error')).toBe(true);
    g.open();
    await expectCode(run, 'E_LOCK_EXPIRED');
  });

  it('a lock without auto-extension aborts its signal when its TTL passes', async () => {
    const lock = await locks.acquire('job', { ttl: '3s' });
    await vi.advanceTimersByTimeAsync(2_900);
    expect(lock.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(100);
    expect(lock.signal.aborted).toBe(true);
    expect(isKvError(lock.signal.reason) && lock.signal.reason.code).toBe('E_LOCK_EXPIRED');
    // Disposing a lock whose loss was signalled does not throw again.
    await lock[Symbol.asyncDispose]();
  });

  it('one timer for every lock of the process, whatever the number of locks and instances', async () => {
    const other = createLocks({ store, ttl: '5s', wait: 0 });
    const held = [];
    for (let i = 0; i < 50; i++) held.push(await locks.acquire(`a${i}`, { autoExtend: true }));
    for (let i = 0; i < 50; i++) held.push(await other.acquire(`b${i}`, { autoExtend: true }));
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(held.every((l) => l.held && !l.signal.aborted)).toBe(true);
    for (const lock of held) await lock.release();
    expect(vi.getTimerCount()).toBe(0);
  });
});

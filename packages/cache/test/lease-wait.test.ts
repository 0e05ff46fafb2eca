import { memoryAdapter } from '@raptorflow/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type CacheStatus, createCache } from '../src/index.js';

/*
 * `lease.wait` is the whole time a process waits for another's factory, however long: two
 * caches on one store stand for two processes, on a fake clock (setTimeout and Date).
 */

afterEach(() => {
  vi.useRealTimers();
});

describe('lease wait', () => {
  it('a waiter keeps polling for all of lease.wait (30 s), then takes the holder value', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'Date'] });
    const store = memoryAdapter({ sweepIntervalMs: 0 });
    const options = {
      store,
      // The store calls' own time limit is not under test.
      timeout: '1h',
      namespaces: { reports: { ttl: '1h', lease: { ttl: '2m', wait: '30s' } } },
    } as const;
    const holder = createCache(options).workspace('acme').namespace<string>('reports');
    const waiter = createCache(options).workspace('acme').namespace<string>('reports');
    let finish = (_: string): void => {};
    const held = holder.getOrSet('monthly', () => new Promise<string>((resolve) => (finish = resolve)));
    await vi.advanceTimersByTimeAsync(10);
    const waiterFactory = vi.fn(() => 'computed by the waiter');
    const status: CacheStatus = {};
    const waited = waiter.getOrSet('monthly', waiterFactory, { status });
    // 20 s: past the ~10 s that 100 polls at most used to allow.
    await vi.advanceTimersByTimeAsync(20_000);
    expect(waiterFactory).not.toHaveBeenCalled();
    finish('by the holder');
    expect(await held).toBe('by the holder');
    await vi.advanceTimersByTimeAsync(200);
    expect(await waited).toBe('by the holder');
    expect(waiterFactory).not.toHaveBeenCalled();
    expect(status.result).toBe('dedup');
    await store.close();
  });
});

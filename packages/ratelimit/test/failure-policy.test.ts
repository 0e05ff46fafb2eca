import { memoryAdapter, withFailover } from '@raptorflow/core';
import { describe, expect, it } from 'vitest';
import { createRateLimiter } from '../src/index.js';

/*
 * Which errors the failure policy covers: store failures only (the kit's `isStoreFailure`).
 * Store outages and timeouts are in store-errors.test.ts, through a fault proxy.
 */
describe('onStoreError covers store failures, not mistakes', () => {
  it('a key of the wrong type is not a store failure either: it is repaired, fail-open never sees it', async () => {
    // Issue 20: it used to reach the caller (E_WRONG_TYPE on memory, E_SCRIPT on Redis), and a
    // rejected call writes nothing, so the identifier stayed locked out. corrupt-state.test.ts
    // covers every algorithm and store.
    const store = memoryAdapter({ sweepIntervalMs: 0 });
    const limiter = createRateLimiter({ store, limit: 1, window: '1m', onStoreError: 'fail-open' });
    const [key] = limiter.keys('u');
    await store.hset(key as string, { not: 'a counter' });
    expect(await limiter.limit('u')).toMatchObject({ allowed: true, reason: 'allowed' });
    expect(await limiter.limit('u')).toMatchObject({ allowed: false, reason: 'limited' });
    await store.close();
  });

  it('a closed store is a store failure: the policy answers', async () => {
    const store = memoryAdapter({ sweepIntervalMs: 0 });
    const open = createRateLimiter({ store, limit: 1, window: '1m', onStoreError: 'fail-open' });
    const closed = createRateLimiter({ store, limit: 1, window: '1m' });
    await store.close();
    expect(await open.limit('u')).toMatchObject({ allowed: true, reason: 'store-error' });
    expect((await open.limit('u')).error?.code).toBe('E_CLOSED');
    // No option and no failover layer: fail-closed.
    expect(await closed.limit('u')).toMatchObject({ allowed: false, reason: 'store-error' });
  });

  it("without the option, a withFailover layer's policy answers (found under a view); the option wins", async () => {
    const primary = memoryAdapter({ sweepIntervalMs: 0 });
    const store = withFailover(primary, { policy: 'fail-open' }).namespace('app:');
    const inherited = createRateLimiter({ store, limit: 1, window: '1m' });
    const explicit = createRateLimiter({ store, limit: 1, window: '1m', onStoreError: 'fail-closed' });
    await primary.close(); // E_CLOSED passes through the failover layer to the limiter
    expect(await inherited.limit('u')).toMatchObject({ allowed: true, reason: 'store-error' });
    expect(await explicit.limit('u')).toMatchObject({ allowed: false, reason: 'store-error' });
  });
});

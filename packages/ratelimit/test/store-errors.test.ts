import { type KvStore, memoryAdapter } from '@raptorflow/core';
import { ioredisAdapter } from '@raptorflow/core/ioredis';
import { type FaultProxy, startFaultProxy } from '@raptorflow/testkit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createRateLimiter, rateLimitHeaders, rateLimitProblem } from '../src/index.js';
import { uniquePrefix } from './stores.js';

/*
 * Store failures through a fault-injecting proxy in front of the real redis-server: the policy
 * decides, and `reason` says honestly what happened.
 */

const servers = inject('raptorflow');
let proxy: FaultProxy;
let store: KvStore;
beforeAll(async () => {
  proxy = await startFaultProxy({ target: { host: servers.redis.host, port: servers.redis.port } });
  store = ioredisAdapter({
    host: proxy.host,
    port: proxy.port,
    maxRetriesPerRequest: 0,
    commandTimeoutMs: 2000,
  });
});
afterAll(async () => {
  await store.close();
  await proxy.stop();
});

describe('onStoreError', () => {
  const make = (
    onStoreError: 'fail-open' | 'fail-closed' | 'fallback',
    fallbackStore?: KvStore,
    timeout = 150,
  ) =>
    createRateLimiter({
      store,
      limit: 2,
      window: '1m',
      timeout,
      onStoreError,
      fallbackStore,
      prefix: uniquePrefix('err'),
    });

  it('answers from the store while it is healthy', async () => {
    // The 150 ms limit is for the black-hole tests; a healthy first call (script load through
    // the proxy) can take longer on a busy machine, and this test is not about the time limit.
    const r = await make('fail-closed', undefined, 5_000).limit('u');
    expect(r).toMatchObject({ allowed: true, reason: 'allowed', remaining: 1 });
  });

  it('times out, and each policy reports `timeout`', async () => {
    await proxy.blackHole();
    try {
      const closed = await make('fail-closed').limit('u');
      expect(closed).toMatchObject({ allowed: false, reason: 'timeout' });
      expect(closed.error?.code).toBe('E_TIMEOUT');
      const open = await make('fail-open').limit('u');
      expect(open).toMatchObject({ allowed: true, reason: 'timeout' });
      // No trustworthy numbers: no quota headers, and a 503 problem, not a 429.
      expect(rateLimitHeaders(closed)).toEqual({});
      expect(rateLimitProblem(closed).status).toBe(503);
      const fallback = await make('fallback', memoryAdapter({ sweepIntervalMs: 0 }));
      const seen = [];
      for (let i = 0; i < 3; i++) seen.push(await fallback.limit('u'));
      expect(seen.map((r) => [r.allowed, r.reason])).toEqual([
        [true, 'fallback'],
        [true, 'fallback'],
        [false, 'fallback'],
      ]);
      expect(seen[0]?.error?.code).toBe('E_TIMEOUT');
    } finally {
      await proxy.passThrough();
    }
  });

  it('a refused connection is a store error', async () => {
    const fresh = ioredisAdapter({
      host: proxy.host,
      port: proxy.port,
      maxRetriesPerRequest: 0,
      connectTimeoutMs: 500,
    });
    await proxy.refuse();
    try {
      const rl = createRateLimiter({
        store: fresh,
        limit: 2,
        window: '1m',
        timeout: 3000,
        onStoreError: 'fail-open',
      });
      const r = await rl.limit('u');
      expect(r.allowed).toBe(true);
      expect(['store-error', 'timeout']).toContain(r.reason);
      expect(r.error).toBeDefined();
      const fb = createRateLimiter({
        store: fresh,
        limit: 1,
        window: '1m',
        timeout: 3000,
        onStoreError: 'fallback',
      });
      expect((await fb.limit('u')).reason).toBe('fallback');
    } finally {
      await proxy.passThrough();
      await fresh.close();
    }
  });
});

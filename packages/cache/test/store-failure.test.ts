import { createServer, type Server, type Socket } from 'node:net';
import { type KvStore, withL1 } from '@raptorflow/core';
import { ioredisAdapter } from '@raptorflow/core/ioredis';
import { type RedisServer, startRedis } from '@raptorflow/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type CacheEvents, type CacheOptions, type CacheStatus, createCache } from '../src/index.js';
import { sleep } from './matrix.js';

/*
 * The failure policy against a real redis-server that is killed mid-test, and against a
 * server that accepts connections and never answers (the call must not hang).
 */

let server: RedisServer;
let silent: Server;
let silentPort = 0;
const sockets: Socket[] = [];
beforeAll(async () => {
  server = await startRedis();
  silent = createServer((socket) => {
    sockets.push(socket); // accept, read, never answer
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  silentPort = (silent.address() as { port: number }).port;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => silent.close(() => resolve()));
  await server?.stop();
});
afterEach(() => {
  vi.useRealTimers();
});

async function warmCache(policy: CacheOptions['onStoreError'], store: KvStore) {
  const cache = createCache({
    store,
    prefix: `sf${Math.random().toString(36).slice(2, 8)}:`,
    timeout: 300,
    onStoreError: policy,
    namespaces: { profiles: { ttl: 250, grace: '1h', jitter: 0 } },
  });
  const ns = cache.workspace('acme').namespace<string>('profiles');
  await ns.set('k', 'cached');
  expect(await ns.get('k')).toBe('cached');
  // Reads until L1 (where there is one) holds the entry and the counters, created on first sight.
  for (let i = 0; i < 3; i++) expect(await ns.get('k')).toBe('cached');
  const status: CacheStatus = {};
  await ns.get('k', { status });
  if ((store as { l1?: unknown }).l1) expect(status.result).toBe('l1-hit');
  return { cache, ns };
}

describe('onStoreError', () => {
  // 'bypass' is the deprecated name of 'fail-open': its events must say 'fail-open'.
  it('fallback, fail-open and fail-closed when Redis dies', async () => {
    // The cache decides freshness on `Date.now()`: frozen while the caches warm up, the 250 ms
    // TTL cannot run out between the `set` and the reads that check it, however slow the machine.
    // (Deadlines read `Date.now()` too: frozen, the 300 ms store timeout cannot fire on a slow
    // warm-up either; it is live again below, where the store dies.)
    vi.useFakeTimers({ toFake: ['Date'] });
    const warmedAt = Date.now();
    // L1's own TTL is not under test: long enough that the copy outlives the slowest run.
    const l1Store = withL1(ioredisAdapter({ url: server.url, maxRetriesPerRequest: 0 }), {
      channel: false,
      ttl: 60_000,
    });
    const plainStore = ioredisAdapter({ url: server.url, maxRetriesPerRequest: 0 });
    const serveStale = await warmCache('fallback', l1Store);
    const bypass = await warmCache('bypass', plainStore);
    const raise = await warmCache('fail-closed', plainStore);
    const errors: Array<CacheEvents['store-error']> = [];
    for (const c of [serveStale, bypass, raise]) c.cache.events.on('store-error', (e) => errors.push(e));
    // Past the 250 ms TTL: the L1 copy is stale but within grace. Back on the real clock, wait
    // until it reads at least 300 ms after the warm-up instant (the entries' clock).
    vi.useRealTimers();
    await sleep(Math.max(0, warmedAt + 300 - Date.now()));
    expect(Date.now()).toBeGreaterThanOrEqual(warmedAt + 300);
    await server.kill();

    let calls = 0;
    const factory = () => {
      calls++;
      return 'computed';
    };
    // A read L1 cannot serve fails: the cache now knows the store is down...
    expect(await serveStale.ns.get('absent')).toBeUndefined();
    // ...and serves the stale L1 copy rather than calling the source, whose result could not be cached.
    const stale: CacheStatus = {};
    expect(await serveStale.ns.getOrSet('k', factory, { status: stale })).toBe('cached');
    expect(stale.result).toBe('stale');
    expect(await serveStale.ns.get('k', { allowStale: true })).toBe('cached');
    expect(await serveStale.ns.getOrSet('other', factory)).toBe('computed'); // nothing to serve: bypass
    expect(calls).toBe(1);

    expect(await bypass.ns.get('k')).toBeUndefined();
    expect(await bypass.ns.getOrSet('k', factory)).toBe('computed');
    expect(await bypass.ns.getOrSet('k', factory)).toBe('computed');
    expect(calls).toBe(3);
    await bypass.ns.set('k', 'lost'); // resolves: counted as a store-error event
    await expect(bypass.ns.delete('k')).rejects.toMatchObject({
      code: expect.stringMatching(/E_CONNECTION|E_TIMEOUT/),
    });
    await expect(bypass.cache.workspace('acme').invalidateTags(['t'])).rejects.toBeDefined();

    await expect(raise.ns.get('k')).rejects.toMatchObject({
      code: expect.stringMatching(/E_CONNECTION|E_TIMEOUT/),
    });
    await expect(raise.ns.getOrSet('other', factory)).rejects.toBeDefined();
    expect(calls).toBe(3);
    expect(new Set(errors.map((e) => e.policy))).toEqual(new Set(['fallback', 'fail-open', 'fail-closed']));

    await server.restart();
    await l1Store.close();
    await plainStore.close();
  });

  it('never hangs on a server that does not answer: E_TIMEOUT after `timeout`', async () => {
    const store = ioredisAdapter({ host: '127.0.0.1', port: silentPort, connectTimeoutMs: 60_000 } as never);
    const cache = createCache({ store, prefix: 'hang:', timeout: 100, onStoreError: 'fail-closed' });
    const ns = cache.workspace('acme').namespace<string>('profiles');
    await expect(ns.get('k')).rejects.toMatchObject({ code: 'E_TIMEOUT' });
    await expect(ns.set('k', 'v')).rejects.toMatchObject({ code: 'E_TIMEOUT' });
    const bypass = createCache({ store, prefix: 'hang:', timeout: 100, onStoreError: 'fail-open' });
    expect(
      await bypass
        .workspace('acme')
        .namespace<string>('p')
        .getOrSet('k', () => 'direct'),
    ).toBe('direct');
    await store.close().catch(() => {});
  });
});

import { memoryAdapter, withL1 } from '@raptorflow/core';
import { ioredisAdapter } from '@raptorflow/core/ioredis';
import type { TestServers } from '@raptorflow/testkit';
import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import { type CacheStatus, createCache } from '../src/index.js';
import { deleteHandedOut, keysUnder, randomPrefix, sleep } from './matrix.js';

/*
 * Two L1 stacks with their own connections on one Redis stand for two processes: a clear, a
 * tag bump, a delete or a write by one reaches the other's L1 over pub/sub.
 */

const servers: TestServers = inject('raptorflow');

/**
 * Poll `read` until it returns `want`: the pub/sub message arriving decides. The 15 s bound only
 * stops a hang (it was 100 tries 20 ms apart, which a busy machine's scheduling can outlast).
 */
async function eventually<T>(read: () => Promise<T>, want: T): Promise<T> {
  let last = await read();
  const deadline = Date.now() + 15_000;
  while (last !== want && Date.now() < deadline) {
    await sleep(20);
    last = await read();
  }
  return last;
}

describe('L1 across processes', () => {
  it('clears, tag bumps, deletes and writes reach the other L1; L1 values are frozen', async () => {
    const channel = `l1-${Math.random().toString(36).slice(2)}`;
    const storeA = withL1(ioredisAdapter({ url: servers.redis.url }), { channel, ttl: 60_000 });
    const storeB = withL1(ioredisAdapter({ url: servers.redis.url }), { channel, ttl: 60_000 });
    await Promise.all([storeA.l1.ready, storeB.l1.ready]);
    const prefix = randomPrefix();
    const a = createCache({ store: storeA, prefix });
    const b = createCache({ store: storeB, prefix });
    const nsA = a.workspace('acme').namespace<{ v: number }>('profiles');
    const nsB = b.workspace('acme').namespace<{ v: number }>('profiles');

    // B reads until its L1 serves the key (A's invalidation of the old copy may still be on its way).
    const warm = async (key: string): Promise<void> => {
      const result = await eventually(async () => {
        const status: CacheStatus = {};
        await nsB.get(key, { status });
        return status.result;
      }, 'l1-hit');
      expect(result).toBe('l1-hit');
    };

    await nsA.set('k', { v: 1 }, { tags: ['t'] });
    await warm('k');
    const value = await nsB.get('k');
    expect(Object.isFrozen(value)).toBe(true);
    expect(() => {
      (value as { v: number }).v = 2;
    }).toThrow();

    await nsA.set('k', { v: 2 }, { tags: ['t'] });
    expect((await eventually(async () => (await nsB.get('k'))?.v, 2)) as number).toBe(2);

    await warm('k');
    await a.workspace('acme').invalidateTags(['t']);
    expect(await eventually(() => nsB.get('k'), undefined)).toBeUndefined();

    await nsA.set('k', { v: 3 });
    await warm('k');
    await nsA.delete('k');
    expect(await eventually(() => nsB.get('k'), undefined)).toBeUndefined();

    await nsA.set('k', { v: 4 });
    await warm('k');
    await a.workspace('acme').clearNamespace('profiles');
    expect(await eventually(() => nsB.get('k'), undefined)).toBeUndefined();

    await nsA.set('k', { v: 5 });
    await warm('k');
    await a.workspace('acme').clear();
    expect(await eventually(() => nsB.get('k'), undefined)).toBeUndefined();

    await a.close();
    await b.close();
    expect(await deleteHandedOut(storeA)).toBeGreaterThan(0);
    expect(await keysUnder(storeA, prefix)).toEqual([]);
    await storeA.close();
    await storeB.close();
  });
});

describe('L1 without pub/sub: the generations an L1 hit skips looking up still expire', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("another process's clear is seen once the generations' L1 copies expire, even while the entry's has not", async () => {
    // L1 reads a fake clock; the memory store keeps its own, and no entry expires in the store.
    let now = 1_000_000;
    vi.spyOn(performance, 'now').mockImplementation(() => now);
    const base = memoryAdapter();
    const storeA = withL1(base, { channel: false, ttl: 1000 });
    const storeB = withL1(base, { channel: false, ttl: 1000 });
    const a = createCache({ store: storeA });
    const b = createCache({ store: storeB });
    const nsA = a.workspace('acme').namespace<{ v: number }>('profiles');

    await nsA.set('warm', { v: 0 });
    // The first read creates the generation counters (SET NX 0), the second caches them in L1
    // at t0, the third is an L1 hit.
    expect(await nsA.get('warm')).toEqual({ v: 0 });
    expect(await nsA.get('warm')).toEqual({ v: 0 });
    const warm: CacheStatus = {};
    expect(await nsA.get('warm', { status: warm })).toEqual({ v: 0 });
    expect(warm.result).toBe('l1-hit');
    now += 600;
    await nsA.set('k', { v: 1 });
    expect(await nsA.get('k')).toEqual({ v: 1 }); // L2: the entry enters L1 at t0 + 600
    const hit: CacheStatus = {};
    expect(await nsA.get('k', { status: hit })).toEqual({ v: 1 });
    expect(hit.result).toBe('l1-hit');

    await b.workspace('acme').clearNamespace('profiles'); // A is not told
    now += 300; // t0 + 900: every L1 copy is live, so A serves what it holds (the documented staleness)
    const stale: CacheStatus = {};
    expect(await nsA.get('k', { status: stale })).toEqual({ v: 1 });
    expect(stale.result).toBe('l1-hit');

    now += 200; // t0 + 1100: the generations' copies have expired, the entry's has not
    const after: CacheStatus = {};
    expect(await nsA.get('k', { status: after })).toBeUndefined();
    expect(after.result).toBe('miss');

    await a.close();
    await b.close();
    await storeA.close();
    await storeB.close();
  });

  it("this process's clear is seen by the next hit at once (L1's epoch moved)", async () => {
    const store = withL1(memoryAdapter(), { channel: false, ttl: 60_000 });
    const cache = createCache({ store });
    const ns = cache.workspace('acme').namespace<{ v: number }>('profiles');
    const other = cache.workspace('acme').namespace<{ v: number }>('other');
    await ns.set('k', { v: 1 });
    await other.set('k', { v: 2 });
    for (let i = 0; i < 2; i++) {
      expect(await ns.get('k')).toEqual({ v: 1 });
      expect(await other.get('k')).toEqual({ v: 2 });
    }
    const misses = store.l1.stats.misses;
    await cache.workspace('acme').clearNamespace('profiles');
    expect(await ns.get('k')).toBeUndefined();
    const hit: CacheStatus = {};
    expect(await other.get('k', { status: hit })).toEqual({ v: 2 });
    expect(hit.result).toBe('l1-hit');
    await cache.workspace('acme').clear();
    expect(await other.get('k')).toBeUndefined();
    expect(store.l1.stats.misses).toBeGreaterThan(misses);
    await cache.close();
    await store.close();
  });
});

describe('L1 hits remember their L1 keys (no key built per hit)', () => {
  it('a remembered key names the new generation after a clear: never the old entry L1 still holds', async () => {
    const store = withL1(memoryAdapter(), { channel: false, ttl: 60_000 });
    const cache = createCache({ store });
    const ws = cache.workspace('acme');
    const ns = ws.namespace<{ v: number }>('profiles');
    await ns.set('k', { v: 1 });
    for (let i = 0; i < 3; i++) expect(await ns.get('k')).toEqual({ v: 1 });
    // The old generation's entry stays in L1 (a clear bumps a counter, it deletes nothing).
    await ws.clearNamespace('profiles');
    expect(await ns.get('k')).toBeUndefined();
    await ns.set('k', { v: 2 });
    for (let i = 0; i < 2; i++) expect(await ns.get('k')).toEqual({ v: 2 });
    const hit: CacheStatus = {};
    expect(await ns.get('k', { status: hit })).toEqual({ v: 2 });
    expect(hit.result).toBe('l1-hit');
    await ws.clear();
    expect(await ns.get('k')).toBeUndefined();
    await ns.set('k', { v: 3 });
    for (let i = 0; i < 2; i++) expect(await ns.get('k')).toEqual({ v: 3 });
    await cache.close();
    await store.close();
  });

  it("a tagged hit's remembered tag keys see every later bump of the tag", async () => {
    const store = withL1(memoryAdapter(), { channel: false, ttl: 60_000 });
    const cache = createCache({ store });
    const ws = cache.workspace('acme');
    const ns = ws.namespace<{ v: number }>('profiles');
    const l1Hit = async (key: string): Promise<{ v: number } | undefined> => {
      const status: CacheStatus = {};
      const value = await ns.get(key, { status });
      expect(status.result).toBe('l1-hit');
      return value;
    };
    await ns.set('k', { v: 1 }, { tags: ['t', 'u'] });
    await ns.set('other', { v: 9 }, { tags: ['u'] });
    for (let i = 0; i < 2; i++) await ns.get('k');
    await ns.get('other');
    for (let i = 0; i < 3; i++) expect(await l1Hit('k')).toEqual({ v: 1 });
    expect(await l1Hit('other')).toEqual({ v: 9 });
    await ws.deleteByTags(['t']);
    expect(await ns.get('k')).toBeUndefined();
    expect(await ns.get('other')).toEqual({ v: 9 });
    await ns.set('k', { v: 2 }, { tags: ['t', 'u'] });
    await ns.get('k');
    for (let i = 0; i < 2; i++) expect(await l1Hit('k')).toEqual({ v: 2 });
    await ws.invalidateTags(['u']); // no grace: soft invalidation is a miss too
    expect(await ns.get('k')).toBeUndefined();
    expect(await ns.get('other')).toBeUndefined();
    await cache.close();
    await store.close();
  });

  it('past the bound on remembered keys (10,000) every hit still finds its own entry, with no miss', async () => {
    const store = withL1(memoryAdapter(), { channel: false, ttl: 60_000, max: 30_000 });
    const cache = createCache({ store });
    const a = cache.workspace('acme').namespace<{ v: number }>('a');
    const b = cache.workspace('acme').namespace<{ v: number }>('b');
    const keys = Array.from({ length: 6_000 }, (_, i) => `k${i}`);
    await a.setMany(keys.map((key, i) => ({ key, value: { v: i } })));
    await b.setMany(keys.map((key, i) => ({ key, value: { v: -i - 1 } })));
    for (const ns of [a, b]) for (const key of keys) await ns.get(key); // into L1
    const misses = store.l1.stats.misses;
    const hits = store.l1.stats.hits;
    // 12,000 keys remembered in two rounds: the bound empties the memory at least twice.
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < keys.length; i++) {
        expect((await a.get(keys[i] as string))?.v).toBe(i);
        expect((await b.get(keys[i] as string))?.v).toBe(-i - 1);
      }
    }
    expect(store.l1.stats.misses).toBe(misses);
    expect(store.l1.stats.hits - hits).toBeGreaterThanOrEqual(4 * keys.length);
    await cache.close();
    await store.close();
  });
});

import type { KvStore } from '@raptorflow/core';
import { storeMatrix } from '@raptorflow/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type CacheClient, type CacheEvents, type CacheStatus, cached, createCache } from '../src/index.js';
import { deleteHandedOut, keysUnder, randomPrefix, sleep } from './matrix.js';

// Every adapter of core's matrix, and L1 stacks over memory, ioredis and ioredis cluster.
for (const entry of storeMatrix({ layers: ['l1'] })) {
  describe(`cache on ${entry.name}`, () => {
    let store: KvStore;
    beforeAll(async () => {
      store = await entry.create();
    });
    afterAll(async () => {
      await deleteHandedOut(store);
      await store.close();
    });

    function make(extra: Partial<Parameters<typeof createCache>[0]> = {}): {
      cache: CacheClient;
      prefix: string;
    } {
      const prefix = randomPrefix();
      const cache = createCache({
        store,
        prefix,
        namespaces: {
          config: { ttl: '24h' },
          profiles: { ttl: '30m' },
          campaigns: { ttl: '15m', grace: '1h' },
          analytics: { ttl: '5m' },
        },
        ...extra,
      });
      return { cache, prefix };
    }

    it('sets, gets, has and deletes; a missing key is undefined', async () => {
      const { cache } = make();
      const profiles = cache.workspace('acme').namespace<{ name: string }>('profiles');
      expect(await profiles.get('u1')).toBeUndefined();
      await profiles.set('u1', { name: 'Ada' });
      expect(await profiles.get('u1')).toEqual({ name: 'Ada' });
      expect(await profiles.has('u1')).toBe(true);
      expect(await profiles.delete('u1')).toBe(true);
      expect(await profiles.delete('u1')).toBe(false);
      expect(await profiles.get('u1')).toBeUndefined();
    });

    it("a second client sees the first client's clears and tagged entries", async () => {
      const { cache: a, prefix } = make();
      const b = createCache({ store, prefix });
      await a
        .workspace('acme')
        .namespace('profiles')
        .set('k', 'v', { tags: ['x'] });
      await a.workspace('acme').clearNamespace('config');
      await a.workspace('acme').clearNamespace('config');
      // b has never read config's generation: its first write must still land where a reads.
      await b.workspace('acme').namespace('config').set('c', 1);
      expect(await a.workspace('acme').namespace('config').get('c')).toBe(1);
      expect(await b.workspace('acme').namespace('profiles').get('k')).toBe('v');
      await a.workspace('acme').invalidateTags(['x']);
      expect(await b.workspace('acme').namespace('profiles').get('k')).toBeUndefined();
      await a.workspace('acme').clear();
      expect(await b.workspace('acme').namespace('config').get('c')).toBeUndefined();
    });

    it('expires entries after their TTL (with jitter only ever shortening it)', async () => {
      const { cache } = make();
      const ns = cache.workspace('acme').namespace('analytics');
      await ns.set('k', 1, { ttl: 40 });
      await ns.set('long', 2);
      await sleep(120);
      expect(await ns.get('k')).toBeUndefined();
      expect(await ns.get('long')).toBe(2);
    });

    it('runs a factory once for concurrent getOrSet calls and reports statuses', async () => {
      const { cache } = make();
      const ns = cache.workspace('acme').namespace<number>('campaigns');
      let calls = 0;
      // The factory returns once all 20 calls have missed (each joins the flight right after its
      // miss event), not after a sleep that a slow machine could outlast before the last read.
      let misses = 0;
      let allMissed = (): void => {};
      const gate = new Promise<void>((resolve) => {
        allMissed = resolve;
      });
      cache.events.on('miss', () => {
        if (++misses === 20) allMissed();
      });
      const statuses: CacheStatus[] = Array.from({ length: 20 }, () => ({}));
      const values = await Promise.all(
        statuses.map((status) =>
          ns.getOrSet(
            'c1',
            async () => {
              calls++;
              await gate;
              return 42;
            },
            { status },
          ),
        ),
      );
      expect(values).toEqual(Array(20).fill(42));
      expect(calls).toBe(1);
      expect(statuses.filter((s) => s.result === 'miss')).toHaveLength(1);
      expect(statuses.filter((s) => s.result === 'dedup')).toHaveLength(19);
      const again: CacheStatus = {};
      expect(await ns.getOrSet('c1', () => 0, { status: again })).toBe(42);
      expect(again.result === 'l1-hit' || again.result === 'l2-hit').toBe(true);
      if (entry.layer === 'l1') {
        const third: CacheStatus = {};
        await ns.getOrSet('c1', () => 0, { status: third });
        expect(third.result).toBe('l1-hit');
      }
      expect(calls).toBe(1);
    });

    it('getMany and setMany handle 100 keys, crafted ones included', async () => {
      const { cache } = make();
      const ns = cache.workspace('acme').namespace<number>('config');
      const keys = Array.from({ length: 100 }, (_, i) => (i % 5 === 0 ? `../*{x}:${i}` : `k${i}`));
      await ns.setMany(keys.slice(0, 60).map((key, i) => ({ key, value: i })));
      const values = await ns.getMany(keys);
      expect(values.slice(0, 60)).toEqual(Array.from({ length: 60 }, (_, i) => i));
      expect(values.slice(60)).toEqual(Array(40).fill(undefined));
    });

    it('soft tag invalidation serves stale only within grace; hard invalidation never', async () => {
      const { cache } = make();
      const ws = cache.workspace('acme');
      const campaigns = ws.namespace<string>('campaigns');
      const config = ws.namespace<string>('config');
      await campaigns.set('a', 'A1', { tags: ['campaign:1'] });
      await config.set('b', 'B1', { tags: ['campaign:1'] });
      await campaigns.set('c', 'C1', { tags: ['campaign:2'] });
      await ws.invalidateTags(['campaign:1']);
      expect(await campaigns.get('a')).toBeUndefined();
      expect(await campaigns.get('a', { allowStale: true })).toBe('A1');
      expect(await config.get('b', { allowStale: true })).toBeUndefined(); // no grace in config
      expect(await campaigns.get('c')).toBe('C1');
      const failing = () => {
        throw new Error('db down');
      };
      const status: CacheStatus = {};
      expect(await campaigns.getOrSet('a', failing, { status })).toBe('A1');
      expect(status.result).toBe('stale');
      await ws.deleteByTags(['campaign:1']);
      await expect(campaigns.getOrSet('a', failing)).rejects.toThrow('db down');
      expect(await campaigns.getOrSet('a', () => 'A2', { tags: ['campaign:1'] })).toBe('A2');
      expect(await campaigns.get('a')).toBe('A2');
    });

    it('a tag bumped while the factory runs leaves the new entry invalid', async () => {
      const { cache } = make();
      const ws = cache.workspace('acme');
      const ns = ws.namespace<string>('profiles');
      const value = await ns.getOrSet(
        'p',
        async () => {
          await ws.deleteByTags(['user:1']);
          return 'computed-before-bump';
        },
        { tags: ['user:1'] },
      );
      expect(value).toBe('computed-before-bump');
      expect(await ns.get('p')).toBeUndefined();
    });

    it('clears a namespace and a workspace in O(1), then purges the old keys', async () => {
      const { cache, prefix } = make();
      const acme = cache.workspace('acme');
      const other = cache.workspace('other');
      await acme.namespace('profiles').setMany([
        { key: 'a', value: 1 },
        { key: 'b', value: 2 },
      ]);
      await acme.namespace('config').set('c', 3);
      await other.namespace('profiles').set('a', 9);
      const purge = await acme.clearNamespace('profiles');
      expect(await acme.namespace('profiles').get('a')).toBeUndefined();
      expect(await acme.namespace('config').get('c')).toBe(3);
      expect(await other.namespace('profiles').get('a')).toBe(9);
      const report = await purge?.done;
      expect(report?.deleted).toBe(2);
      await acme.namespace('profiles').set('a', 4);
      const wsPurge = await acme.clear();
      expect(await acme.namespace('profiles').get('a')).toBeUndefined();
      expect(await acme.namespace('config').get('c')).toBeUndefined();
      expect(await other.namespace('profiles').get('a')).toBe(9);
      expect((await wsPurge?.done)?.deleted).toBe(2);
      const left = (await keysUnder(store, prefix)).filter((k) => k.includes(':e:'));
      expect(left).toEqual(['{other}:e:profiles:0.0:a']);
    });

    it('bounds the purge by maxKeys and stops it on cancel', async () => {
      const { cache } = make({ purge: { maxKeys: 10 } });
      const ns = cache.workspace('acme').namespace('config');
      await ns.setMany(Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: i })));
      const bounded = await (await ns.clear())?.done;
      expect(bounded?.scanned).toBe(10);
      expect(bounded?.cancelled).toBe(true);
      await ns.setMany(Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: i })));
      const { cache: other } = make();
      const ns2 = other.workspace('acme').namespace('config');
      await ns2.setMany(Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: i })));
      const handle = await ns2.clear();
      handle?.cancel();
      const report = await handle?.done;
      expect(report?.cancelled).toBe(true);
      expect(report?.deleted).toBe(0);
      expect(await ns2.get('k1')).toBeUndefined();
    });

    it('serves stale within grace when the factory fails, and throws without grace', async () => {
      const { cache } = make();
      const ns = cache.workspace('acme').namespace<string>('campaigns');
      await ns.set('k', 'old', { ttl: 20 });
      await sleep(60);
      const status: CacheStatus = {};
      const errors: unknown[] = [];
      cache.events.on('factory-error', (e) => errors.push(e.error));
      const value = await ns.getOrSet(
        'k',
        () => {
          throw new Error('boom');
        },
        { status },
      );
      expect(value).toBe('old');
      expect(status.result).toBe('stale');
      expect(errors).toHaveLength(1);
      const plain = cache.workspace('acme').namespace<string>('profiles');
      await plain.set('k', 'old', { ttl: 20 });
      await sleep(60);
      await expect(
        plain.getOrSet('k', () => {
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
    });

    it('stale-while-revalidate returns stale at once and refreshes in the background', async () => {
      const { cache } = make();
      const ns = cache.workspace('acme').namespace<string>('campaigns');
      await ns.set('k', 'old', { ttl: 20 });
      await sleep(60);
      const status: CacheStatus = {};
      const value = await ns.getOrSet('k', async () => 'new', { staleWhileRevalidate: true, status });
      expect(value).toBe('old');
      expect(status.result).toBe('stale');
      await status.pending;
      expect(await ns.get('k')).toBe('new');
    });

    it('early refresh keeps serving the fresh value and refreshes it', async () => {
      const { cache } = make();
      const ns = cache.workspace('acme').namespace<string>('campaigns');
      await ns.set('k', 'v1', { ttl: 60_000 });
      const status: CacheStatus = {};
      expect(await ns.getOrSet('k', () => 'v2', { earlyRefresh: 0 + Number.EPSILON, status })).toBe('v1');
      expect(status.pending).toBeDefined();
      await status.pending;
      expect(await ns.get('k')).toBe('v2');
    });

    it('soft timeout serves stale while the factory finishes; hard timeout fails with E_TIMEOUT', async () => {
      const { cache } = make();
      const ns = cache.workspace('acme').namespace<string>('campaigns');
      await ns.set('k', 'old', { ttl: 20 });
      await sleep(60);
      const status: CacheStatus = {};
      let release = (): void => {};
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const value = await ns.getOrSet(
        'k',
        async () => {
          await gate;
          return 'new';
        },
        { softTimeout: 10, status },
      );
      expect(value).toBe('old');
      expect(status.result).toBe('stale');
      release();
      await status.pending;
      expect(await ns.get('k')).toBe('new');
      let aborted = false;
      await expect(
        ns.getOrSet(
          'never',
          ({ signal }) =>
            new Promise<string>((resolve) => {
              signal.addEventListener('abort', () => {
                aborted = true;
                resolve('late');
              });
            }),
          { hardTimeout: 20 },
        ),
      ).rejects.toMatchObject({ code: 'E_TIMEOUT' });
      expect(aborted).toBe(true);
    });

    it('caches negative results with their own TTL', async () => {
      const { cache } = make({ defaults: { negativeTtl: '1m' } });
      const ns = cache.workspace('acme').namespace<string | null>('profiles');
      let calls = 0;
      const factory = () => {
        calls++;
        return null;
      };
      expect(await ns.getOrSet('nobody', factory)).toBeNull();
      expect(await ns.getOrSet('nobody', factory)).toBeNull();
      expect(calls).toBe(1);
      const { cache: off } = make();
      const ns2 = off.workspace('acme').namespace<string | null>('profiles');
      await ns2.getOrSet('nobody', factory);
      await ns2.getOrSet('nobody', factory);
      expect(calls).toBe(3);
    });

    it('a stored value failing the schema is a counted miss, never a crash', async () => {
      const prefix = randomPrefix();
      const loose = createCache({ store, prefix });
      const strict = createCache({
        store,
        prefix,
        namespaces: { profiles: { schema: z.object({ name: z.string() }) } },
      });
      const errors: Array<CacheEvents['decode-error']> = [];
      strict.events.on('decode-error', (e) => errors.push(e));
      await loose.workspace('acme').namespace('profiles').set('u', { name: 42 });
      expect(await strict.workspace('acme').namespace('profiles').get('u')).toBeUndefined();
      expect(errors.length).toBeGreaterThanOrEqual(1);
      expect(errors[0]?.namespace).toBe('profiles');
      expect(
        await strict
          .workspace('acme')
          .namespace('profiles')
          .getOrSet('u', () => ({ name: 'Ada' })),
      ).toEqual({
        name: 'Ada',
      });
    });

    it('compresses large values and hashes keys when asked', async () => {
      const { cache, prefix } = make({ namespaces: { big: { compressAbove: 100, hashKeys: true } } });
      const ns = cache.workspace('acme').namespace<string[]>('big');
      const value = Array.from({ length: 200 }, () => 'repeated text');
      await ns.set('user@example.com', value);
      expect(await ns.get('user@example.com')).toEqual(value);
      const keys = await keysUnder(store, prefix);
      const entryKeyName = keys.find((k) => k.includes(':e:big:'));
      expect(entryKeyName).toMatch(/:e:big:0\.0:[0-9a-f]{64}$/);
      const raw = await store.namespace(prefix).get(entryKeyName as string);
      expect(raw?.split('\n')[1]?.startsWith('~z')).toBe(true);
      expect(raw?.length).toBeLessThan(JSON.stringify(value).length);
    });

    it('wraps functions and methods with cached()', async () => {
      const { cache } = make();
      let calls = 0;
      const load = async (ws: string, id: number) => {
        calls++;
        return { ws, id };
      };
      const getProfile = cached(load, {
        cache,
        namespace: 'profiles',
        workspace: (ws) => ws,
        key: (_ws, id) => `p${id}`,
        ttl: '30m',
      });
      expect(await getProfile('acme', 1)).toEqual({ ws: 'acme', id: 1 });
      expect(await getProfile('acme', 1)).toEqual({ ws: 'acme', id: 1 });
      expect(calls).toBe(1);
    });

    it('emits hit, miss and write events per namespace', async () => {
      const { cache } = make();
      const seen: string[] = [];
      for (const type of ['hit', 'miss', 'write'] as const) {
        cache.events.on(type, (e) => seen.push(`${type}:${e.namespace}`));
      }
      const ns = cache.workspace('acme').namespace<number>('analytics');
      await ns.getOrSet('k', () => 1);
      await ns.getOrSet('k', () => 2);
      expect(seen).toEqual(['miss:analytics', 'write:analytics', 'hit:analytics']);
    });
  });
}

describe('options', () => {
  it('rejects bad options with E_INVALID_OPTIONS naming the field', async () => {
    const { memoryAdapter } = await import('@raptorflow/core');
    const store = memoryAdapter();
    expect(() => createCache({ store, namespaces: { profiles: { ttl: '3 weeks' as never } } })).toThrowError(
      /createCache: namespaces\.profiles\.ttl/,
    );
    expect(() => createCache({ store, timeout: 0 })).toThrowError(/createCache: timeout/);
    expect(() => createCache({ store, onStoreError: 'ignore' as never })).toThrowError(/onStoreError/);
    expect(() => createCache({ store: {} as never })).toThrowError(/createCache: store/);
    expect(() => createCache({ store, defaults: { jitter: 2 } })).toThrowError(/defaults\.jitter/);
    expect(() => createCache({ store, namespaces: { 'a:b': {} } })).toThrowError(/namespaces\.a:b/);
    expect(() => createCache({ store, defaults: { bogus: 1 } as never })).toThrowError(
      expect.objectContaining({
        code: 'E_INVALID_OPTIONS',
        message: '[raptorflow] createCache: defaults.bogus: is not an option',
      }),
    );
    expect(() => createCache({ store, prefix: 'a{b}:' })).toThrowError(
      /createCache: prefix: must not contain/,
    );
    // A namespace may be called `defaults`: its options are its own, not the `defaults` option's.
    expect(() => createCache({ store, namespaces: { defaults: { ttl: 0 } } })).toThrowError(
      /createCache: namespaces\.defaults\.ttl: expected a duration >= 1 ms/,
    );
    await store.close();
  });

  it('takes durations as whole milliseconds only, in options and per call', async () => {
    const { memoryAdapter } = await import('@raptorflow/core');
    const store = memoryAdapter();
    // The kit's Duration: a space before the unit is fine, a fraction of a millisecond is refused.
    const cache = createCache({ store, defaults: { ttl: '15 m', grace: '1.5s', jitter: 0 } });
    expect(() => createCache({ store, defaults: { ttl: '1.5ms' } })).toThrowError(
      /createCache: defaults\.ttl: expected a whole number of milliseconds/,
    );
    const ns = cache.workspace('acme').namespace<string>('p');
    await expect(ns.set('k', 'v', { ttl: '1.5ms' })).rejects.toMatchObject({
      code: 'E_INVALID_ARGUMENT',
      message: expect.stringMatching(/^\[raptorflow\] set: ttl: expected a whole number of milliseconds/),
    });
    await expect(ns.getOrSet('k', () => 'v', { grace: -1 })).rejects.toMatchObject({
      code: 'E_INVALID_ARGUMENT',
      message: '[raptorflow] getOrSet: grace: expected a duration >= 0 ms, got -1',
    });
    await expect(
      ns.getOrSet('k', ({ setTtl }) => {
        setTtl('0.5ms');
        return 'v';
      }),
    ).rejects.toMatchObject({
      code: 'E_INVALID_ARGUMENT',
      message: expect.stringMatching(/^\[raptorflow\] setTtl: ttl: /),
    });
    await store.close();
  });

  it('maps the deprecated onStoreError names to the kit policies; the default is fallback', async () => {
    const { memoryAdapter } = await import('@raptorflow/core');
    const cases = [
      [undefined, 'fallback'],
      ['serve-stale', 'fallback'],
      ['bypass', 'fail-open'],
      ['throw', 'fail-closed'],
      ['fallback', 'fallback'],
      ['fail-open', 'fail-open'],
      ['fail-closed', 'fail-closed'],
    ] as const;
    for (const [option, policy] of cases) {
      const store = memoryAdapter();
      const cache = createCache({ store, onStoreError: option });
      const seen: string[] = [];
      cache.events.on('store-error', (e) => seen.push(e.policy));
      const ns = cache.workspace('acme').namespace<string>('p');
      await store.close(); // every call now fails with E_CLOSED, a store failure
      const read = ns.get('k');
      if (policy === 'fail-closed') await expect(read).rejects.toMatchObject({ code: 'E_CLOSED' });
      else expect(await read).toBeUndefined();
      expect(seen).toEqual([policy]);
    }
  });

  it("follows a withFailover layer's policy when onStoreError is not given; the option wins", async () => {
    const { instrument, memoryAdapter, withFailover } = await import('@raptorflow/core');
    for (const [option, expected] of [
      [undefined, 'fail-closed'],
      ['fallback', 'fallback'],
    ] as const) {
      const primary = memoryAdapter();
      const store = instrument(withFailover(primary, { policy: 'fail-closed' }));
      const cache = createCache({ store, onStoreError: option });
      const seen: string[] = [];
      cache.events.on('store-error', (e) => seen.push(e.policy));
      const ns = cache.workspace('acme').namespace<string>('p');
      await primary.close(); // E_CLOSED reaches the cache through the failover layer
      const read = ns.get('k');
      if (expected === 'fail-closed') await expect(read).rejects.toMatchObject({ code: 'E_CLOSED' });
      else expect(await read).toBeUndefined();
      expect(seen).toEqual([expected]);
    }
  });
});

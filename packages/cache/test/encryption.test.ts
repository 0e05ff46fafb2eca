import { isKvError, type KvStore, memoryAdapter, withL1 } from '@raptorflow/core';
import { storeMatrix } from '@raptorflow/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { type CacheEvents, type CacheStatus, createCache, type NamespaceOptions } from '../src/index.js';
import { deleteHandedOut, keysUnder, randomPrefix, sleep } from './matrix.js';

const b64 = (fill: number, length: number): string =>
  btoa(String.fromCharCode(...new Uint8Array(length).fill(fill)));
const K1 = b64(1, 32);
const K2 = new Uint8Array(16).fill(2);
const K3 = b64(3, 24);
const ONLY_K1 = { current: 'k1', keys: { k1: K1 } };

/** The entry key of `key` in namespace `ns` of workspace `acme`, before any clear. */
const entryKey = (ns: string, key: string): string => `{acme}:e:${ns}:0.0:${key}`;

/**
 * Decryptions (counted, not replaced): the proof that an L1 hit does not decrypt. On Node the
 * codec uses node:crypto's decipher, elsewhere Web Crypto's decrypt: both are counted.
 */
function countDecrypts(): { readonly count: number } {
  const web = vi.spyOn(globalThis.crypto.subtle, 'decrypt');
  const node = vi.spyOn(
    process.getBuiltinModule('node:crypto') as typeof import('node:crypto'),
    'createDecipheriv',
  );
  return {
    get count() {
      return web.mock.calls.length + node.mock.calls.length;
    },
  };
}

afterEach(() => {
  vi.restoreAllMocks();
});

for (const entry of storeMatrix({ layers: ['l1'] })) {
  describe(`encrypted cache on ${entry.name}`, () => {
    let store: KvStore;
    beforeAll(async () => {
      store = await entry.create();
    });
    afterAll(async () => {
      await deleteHandedOut(store);
      await store.close();
    });

    function make(secrets: NamespaceOptions = { encryption: ONLY_K1 }, prefix = randomPrefix()) {
      // A slow store (a busy machine) fails the test loudly rather than reading as a miss.
      const cache = createCache({
        store,
        prefix,
        namespaces: { secrets },
        timeout: '30s',
        onStoreError: 'fail-closed',
      });
      const decodeErrors: Array<CacheEvents['decode-error']> = [];
      cache.events.on('decode-error', (e) => decodeErrors.push(e));
      const ns = cache.workspace('acme').namespace<unknown>('secrets');
      return { cache, ns, prefix, raw: store.namespace(prefix), decodeErrors };
    }

    /** The stored entry's header line and payload. */
    async function stored(raw: KvStore, key: string): Promise<{ header: string; payload: string }> {
      const text = (await raw.get(entryKey('secrets', key))) as string;
      const nl = text.indexOf('\n');
      return { header: text.slice(0, nl), payload: text.slice(nl + 1) };
    }

    it('round-trips values, negative and undefined results and tagged entries; the store holds only ciphertext', async () => {
      const { ns, raw, decodeErrors } = make();
      const value = { card: '4111-1111-1111-1111', when: '2026-12-02', n: [1, 2, 3] };
      await ns.set('a', value);
      expect(await ns.get('a')).toEqual(value);
      // Read again (an L1 hit on L1 stacks): the same value.
      expect(await ns.get('a')).toEqual(value);
      const { header, payload } = await stored(raw, 'a');
      expect(header.startsWith('1||')).toBe(true);
      expect(payload.startsWith('~e1:k1:')).toBe(true);
      expect(payload).not.toContain('4111');
      await ns.set('t', 'tagged', { tags: ['x'] });
      expect(await ns.get('t')).toBe('tagged');
      expect(await ns.getOrSet('neg', () => null, { negativeTtl: '1m' })).toBeNull();
      expect(await ns.get('neg')).toBeNull();
      expect((await stored(raw, 'neg')).payload.startsWith('~e1:k1:')).toBe(true);
      await ns.set('u', undefined);
      expect(await ns.has('u')).toBe(false);
      expect(await ns.getMany(['a', 't', 'missing'])).toEqual([value, 'tagged', undefined]);
      expect(decodeErrors).toEqual([]);
    });

    it('compresses, then encrypts', async () => {
      const { ns, raw } = make({ encryption: ONLY_K1, compressAbove: 64 });
      const big = { text: 'abcdefgh'.repeat(2000) };
      await ns.set('big', big);
      const { payload } = await stored(raw, 'big');
      expect(payload.startsWith('~e1:k1:')).toBe(true);
      // 16,000 characters of JSON: sealed after compression, the ciphertext is a small fraction.
      expect(payload.length).toBeLessThan(2000);
      expect(await ns.get('big')).toEqual(big);
    });

    it('rotation: values under two old keys still read; new writes use the current key', async () => {
      const prefix = randomPrefix();
      const first = make({ encryption: ONLY_K1 }, prefix);
      await first.ns.set('one', 1);
      const second = make({ encryption: { current: 'k2', keys: { k1: K1, k2: K2 } } }, prefix);
      await second.ns.set('two', 2);
      const third = make({ encryption: { current: 'k3', keys: { k1: K1, k2: K2, k3: K3 } } }, prefix);
      await third.ns.set('three', 3);
      expect(await third.ns.getMany(['one', 'two', 'three'])).toEqual([1, 2, 3]);
      expect((await stored(third.raw, 'one')).payload.startsWith('~e1:k1:')).toBe(true);
      expect((await stored(third.raw, 'two')).payload.startsWith('~e1:k2:')).toBe(true);
      expect((await stored(third.raw, 'three')).payload.startsWith('~e1:k3:')).toBe(true);
      expect(third.decodeErrors).toEqual([]);
      // Old keys dropped: their values are misses reported as E_CODEC, and the loader replaces them.
      const only3 = make({ encryption: { current: 'k3', keys: { k3: K3 } } }, prefix);
      expect(await only3.ns.get('one')).toBeUndefined();
      expect(only3.decodeErrors.map((e) => (e.error as { code?: string }).code)).toEqual(['E_CODEC']);
      expect(await only3.ns.getOrSet('two', () => 22)).toBe(22);
      expect((await stored(only3.raw, 'two')).payload.startsWith('~e1:k3:')).toBe(true);
      expect(await only3.ns.get('three')).toBe(3);
    });

    it('tampered, truncated, wrong-key, moved and re-timed values are E_CODEC misses; the loader runs', async () => {
      const { ns, raw, decodeErrors } = make();
      await ns.set('victim', { role: 'user' });
      await ns.set('admin', { role: 'admin' });
      const original = await stored(raw, 'victim');
      const flip = (s: string, at: number): string =>
        s.slice(0, at) + (s[at] === 'A' ? 'B' : 'A') + s.slice(at + 1);
      const admin = await stored(raw, 'admin');
      const [, flags, created, fresh] = original.header.split('|');
      const planted = {
        tampered: `${original.header}\n${flip(original.payload, original.payload.length - 30)}`,
        truncated: `${original.header}\n${original.payload.slice(0, 30)}`,
        // Another process's cache under the same key id with other key bytes.
        wrongKey: `${original.header}\n${(await encryptedElsewhere()).payload}`,
        // The admin entry's ciphertext under the victim's key: authentic, but not this key's.
        moved: `${admin.header}\n${admin.payload}`,
        // The plain header says fresh for ten more years.
        retimed: `1|${flags}|${created}|${Number(fresh) + 3e11}|${Number(fresh) + 3e11}|\n${original.payload}`,
        plaintext: `${original.header}\n{"role":"admin"}`,
      };
      for (const [what, text] of Object.entries(planted)) {
        await raw.set(entryKey('secrets', 'victim'), text);
        decodeErrors.length = 0;
        expect(await ns.get('victim'), what).toBeUndefined();
        expect(decodeErrors.length, what).toBe(1);
        const error = decodeErrors[0]?.error;
        expect(isKvError(error) && error.code, what).toBe('E_CODEC');
        let ran = 0;
        expect(
          await ns.getOrSet('victim', () => {
            ran++;
            return { role: 'reloaded' };
          }),
          what,
        ).toEqual({ role: 'reloaded' });
        expect(ran, what).toBe(1);
        expect(await ns.get('victim'), what).toEqual({ role: 'reloaded' });
      }

      async function encryptedElsewhere(): Promise<{ payload: string }> {
        const other = make({ encryption: { current: 'k1', keys: { k1: b64(9, 32) } } });
        await other.ns.set('victim', { role: 'user' });
        return stored(other.raw, 'victim');
      }
    });

    it('keeps getOrSet semantics: stale within grace while revalidating, lease, hashed keys', async () => {
      const { ns, prefix, decodeErrors } = make({
        encryption: ONLY_K1,
        grace: '1h',
        staleWhileRevalidate: true,
        lease: true,
        hashKeys: true,
      });
      expect(await ns.getOrSet('k', () => 'v1', { ttl: 1 })).toBe('v1');
      // Past its 1 ms ttl (waiting longer only makes it staler): within grace, served stale.
      await sleep(5);
      const status: CacheStatus = {};
      expect(await ns.getOrSet('k', () => 'v2', { status })).toBe('v1');
      expect(status.result).toBe('stale');
      await status.pending;
      expect(await ns.get('k')).toBe('v2');
      const entries = (await keysUnder(store, prefix)).filter((key) => key.includes(':e:secrets:'));
      expect(entries).toHaveLength(1);
      expect(entries[0]?.endsWith(':k')).toBe(false);
      expect(decodeErrors).toEqual([]);
    });

    it('a schema is checked on the decrypted value', async () => {
      const { ns, decodeErrors } = make({ encryption: ONLY_K1, schema: z.object({ n: z.number() }) });
      await ns.set('ok', { n: 1 });
      await ns.set('bad', { n: 'one' });
      expect(await ns.get('ok')).toEqual({ n: 1 });
      expect(await ns.get('bad')).toBeUndefined();
      expect(decodeErrors).toHaveLength(1);
    });
  });
}

describe('encrypted cache on an L1 stack', () => {
  it('decrypts once per L1 entry: later hits neither decrypt nor make a round trip', async () => {
    const store = withL1(memoryAdapter(), { channel: false });
    const cache = createCache({ store, namespaces: { secrets: { encryption: ONLY_K1 } } });
    const ns = cache.workspace('acme').namespace<{ n: number }>('secrets');
    await ns.set('k', { n: 1 });
    const decrypts = countDecrypts();
    const value = await ns.get('k');
    expect(value).toEqual({ n: 1 });
    expect(decrypts.count).toBe(1);
    // The first reads also seed the generation counters (a write, which evicts them once).
    await ns.get('k');
    await ns.get('k');
    const misses = store.l1.stats.misses;
    const statuses: string[] = [];
    for (let i = 0; i < 50; i++) {
      const status: CacheStatus = {};
      expect(await ns.get('k', { status })).toBe(value);
      statuses.push(status.result ?? '');
    }
    expect(decrypts.count).toBe(1);
    expect(store.l1.stats.misses).toBe(misses);
    expect(new Set(statuses)).toEqual(new Set(['l1-hit']));
    // Kept values are frozen, as L1 keeps every decoded value.
    expect(Object.isFrozen(value)).toBe(true);
    await store.close();
  });

  it("with protect: 'clone', each hit is a fresh copy (decrypted again, no round trip)", async () => {
    const store = withL1(memoryAdapter(), { channel: false, protect: 'clone' });
    const cache = createCache({ store, namespaces: { secrets: { encryption: ONLY_K1 } } });
    const ns = cache.workspace('acme').namespace<{ n: number }>('secrets');
    await ns.set('k', { n: 1 });
    const a = await ns.get('k');
    await ns.get('k');
    const misses = store.l1.stats.misses;
    const b = await ns.get('k');
    expect(a).toEqual({ n: 1 });
    expect(b).toEqual({ n: 1 });
    expect(a).not.toBe(b);
    expect(Object.isFrozen(b)).toBe(false);
    expect(store.l1.stats.misses).toBe(misses);
    await store.close();
  });
});

describe('encryption options', () => {
  const store = (): KvStore => ({ namespace: () => store() }) as unknown as KvStore;
  const codeAndMessage = (run: () => unknown): string => {
    try {
      run();
      return 'no error';
    } catch (error) {
      return `${(error as { code?: string }).code} ${(error as Error).message}`;
    }
  };

  it('names the field of a bad key, id or current key, never the key', () => {
    expect(
      codeAndMessage(() =>
        createCache({
          store: store(),
          namespaces: { s: { encryption: { current: 'k1', keys: { k1: 'AAAA' } } } },
        }),
      ),
    ).toMatch(
      /^E_INVALID_OPTIONS .*createCache: namespaces\.s\.encryption\.keys\.k1: must be 16, 24 or 32 bytes \(got 3\)$/,
    );
    expect(
      codeAndMessage(() =>
        createCache({ store: store(), defaults: { encryption: { current: 'k9', keys: { k1: K1 } } } }),
      ),
    ).toMatch(
      /^E_INVALID_OPTIONS .*createCache: defaults\.encryption\.current: must name one of the keys \(k1\)$/,
    );
    expect(
      codeAndMessage(() =>
        createCache({
          store: store(),
          namespaces: { s: { encryption: { current: 'k1', keys: { k1: 42 } } as never } },
        }),
      ),
    ).toMatch(/^E_INVALID_OPTIONS .*createCache: namespaces\.s\.encryption\.keys\.k1: /);
  });
});

import { findLayer, instrument, type KvStore, memoryAdapter, withFailover, withL1 } from '@raptorflow/core';
import { describe, expect, it } from 'vitest';
import { type CacheStatus, createCache } from '../src/index.js';

/*
 * The cache finds core's L1 through the driver chain, so an outer layer (instrument, failover)
 * or a namespace view does not switch its L1 path off. Measured before the fix: 0 L1 hits with
 * `instrument(withL1(memoryAdapter()))` against 495 with `withL1(memoryAdapter())` alone.
 */

const STACKS: Record<string, () => KvStore> = {
  'withL1(memory)': () => withL1(memoryAdapter()),
  'instrument(withL1(memory))': () => instrument(withL1(memoryAdapter())),
  'withFailover(withL1(memory))': () => withFailover(withL1(memoryAdapter())),
  'instrument(withFailover(withL1(memory)))': () => instrument(withFailover(withL1(memoryAdapter()))),
  'instrument(withL1(memory)).namespace(app:)': () => instrument(withL1(memoryAdapter())).namespace('app:'),
};

describe('the cache L1 path under other layers', () => {
  for (const [name, build] of Object.entries(STACKS)) {
    it(`${name}: 100 reads of a tagged entry are L1 hits`, async () => {
      const store = build();
      const l1 = findLayer(store, 'l1');
      expect(l1).toBeDefined();
      await l1?.ready;
      const cache = createCache({ store });
      const ns = cache.workspace('acme').namespace<{ n: number }>('profiles');
      await ns.set('k', { n: 1 }, { tags: ['t'] });
      // The first reads fill L1 (the entry, the generations, the tag versions).
      for (let i = 0; i < 3; i++) expect(await ns.get('k')).toEqual({ n: 1 });
      const before = l1?.stats.hits ?? 0;
      const results = new Set<string | undefined>();
      for (let i = 0; i < 100; i++) {
        const status: CacheStatus = {};
        expect(await ns.get('k', { status })).toEqual({ n: 1 });
        results.add(status.result);
      }
      expect([...results]).toEqual(['l1-hit']);
      // Per hit: the entry and the 2 keys of tag t. The generations are not looked up again
      // while L1 holds them unchanged (its epoch stands still).
      expect((l1?.stats.hits ?? 0) - before).toBe(300);
      await cache.close();
      await store.close();
    });
  }
});

import type { KvStore } from '@raptorflow/core';
import { storeMatrix } from '@raptorflow/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCache } from '../src/index.js';
import { deleteHandedOut, keysUnder, randomPrefix } from './matrix.js';

/*
 * Workspace "attacker" tries every public method, with keys, tags, namespaces and workspace ids
 * crafted to reach workspace "victim", and fails: the victim's keys and values are unchanged.
 */

const CRAFTED_KEYS = [
  'secret',
  '../secret',
  '../../{victim}:e:profiles:0.0:secret',
  '{victim}:e:profiles:0.0:secret',
  '}:e:profiles:0.0:secret',
  '*',
  '?',
  '[a-z]*',
  '{',
  '}',
  '{victim}',
  ':',
  '::',
  'e:profiles:0.0:secret',
  '\\*',
  '\n',
  '%2e%2e/secret',
];

const CRAFTED_IDS = [
  'victim}',
  '{victim}',
  'victim:',
  '../victim',
  '*',
  'victim/..',
  '',
  'vic tim',
  'victim\n',
];

const isolatedStores = storeMatrix({
  layers: ['l1'],
  only: ['memory', 'ioredis+L1', 'ioredis cluster', 'upstash'],
});

for (const entry of isolatedStores) {
  describe(`workspace isolation on ${entry.name}`, () => {
    let store: KvStore;
    beforeAll(async () => {
      store = await entry.create();
    });
    afterAll(async () => {
      await deleteHandedOut(store);
      await store.close();
    });

    it('no public method reaches another workspace', async () => {
      const prefix = randomPrefix();
      // A 30 s store timeout: on a busy machine the Upstash server can take over the default 1 s.
      const cache = createCache({
        store,
        prefix,
        timeout: '30s',
        namespaces: { profiles: { ttl: '30m', grace: '1h' } },
      });
      const victim = cache.workspace('victim');
      await victim.namespace('profiles').set('secret', 'v-secret', { tags: ['shared', 'user:1'] });
      await victim.namespace('config').set('*', 'v-star', { tags: ['shared'] });
      await victim.namespace('profiles').set('{victim}:e:profiles:0.0:secret', 'v-crafted');
      const snapshot = async () => {
        const keys = (await keysUnder(store, prefix)).filter((k) => k.startsWith('{victim}'));
        const values = keys.length ? await store.namespace(prefix).mget(keys) : [];
        return keys.map((k, i) => `${k}=${values[i]}`);
      };
      const before = await snapshot();
      expect(before.length).toBeGreaterThanOrEqual(3);

      const attacker = cache.workspace('attacker');
      for (const name of ['profiles', 'config']) {
        const ns = attacker.namespace<string>(name);
        for (const key of CRAFTED_KEYS) {
          expect(await ns.get(key, { allowStale: true })).toBeUndefined();
          expect(await ns.has(key)).toBe(false);
          expect(await ns.getOrSet(key, () => `attacker:${key}`)).toBe(`attacker:${key}`);
          await ns.set(key, 'overwritten', { tags: ['shared'] });
          expect(await ns.delete(key)).toBe(true);
          expect(await ns.delete(key)).toBe(false);
        }
        expect(await ns.getMany(CRAFTED_KEYS)).toEqual(CRAFTED_KEYS.map(() => undefined));
        await ns.setMany(CRAFTED_KEYS.map((key) => ({ key, value: 'x' })));
        await ns.clear();
      }
      await attacker.invalidateTags(['shared', 'user:1', '../shared']);
      await attacker.deleteByTags(['shared', 'user:1']);
      await (await attacker.clear())?.done;
      for (const id of CRAFTED_IDS) expect(() => cache.workspace(id)).toThrowError(/workspace id/);
      for (const name of ['../profiles', 'profiles:x', '*', '{victim}', '']) {
        expect(() => attacker.namespace(name)).toThrowError(/namespace name/);
        await expect(attacker.clearNamespace(name)).rejects.toThrowError(/namespace name/);
      }
      for (const tag of ['a,b', 'a=b', 'a|b', 'a b', '', '*', '{victim}']) {
        await expect(attacker.invalidateTags([tag])).rejects.toThrowError(/tag/);
      }

      expect(await snapshot()).toEqual(before);
      expect(await victim.namespace('profiles').get('secret')).toBe('v-secret');
      expect(await victim.namespace('config').get('*')).toBe('v-star');
      expect(await victim.namespace('profiles').get('{victim}:e:profiles:0.0:secret')).toBe('v-crafted');
      // Every key the attacker wrote sits in its own workspace.
      const attackerKeys = (await keysUnder(store, prefix)).filter((k) => !k.startsWith('{victim}'));
      for (const k of attackerKeys) expect(k.startsWith('{attacker}:')).toBe(true);
    });
  });
}

import { KV_ADAPTERS } from '@raptorflow/core/driver';
import { describe, expect, inject, it } from 'vitest';
import { ADAPTERS, CORE_VARIANTS } from '../src/adapters.js';

describe('bench adapters', () => {
  it('names core adapters as the registry does (variant, server kind, subpath), then the bench-only stacks', () => {
    for (const { name, server, from } of CORE_VARIANTS) {
      const adapter = KV_ADAPTERS.find((a) => a.variants.some((v) => v.name === name));
      expect(adapter?.variants.find((v) => v.name === name)?.server).toBe(server);
      expect(adapter?.subpath ?? '@raptorflow/core').toBe(from);
    }
    expect(Object.keys(ADAPTERS)).toEqual([
      ...CORE_VARIANTS.map((v) => v.name),
      'upstash-8-lanes',
      'l1-ioredis',
    ]);
    expect(CORE_VARIANTS.map((v) => v.name)).toContain('node-redis');
  });

  it('builds the memory store through the registry and closes it', async () => {
    const { store, close } = await (ADAPTERS.memory as NonNullable<(typeof ADAPTERS)['memory']>).create(
      undefined,
    );
    expect(store.name).toBe('memory');
    await store.set('k', 'v');
    expect(await store.get('k')).toBe('v');
    await close();
    await expect(store.ping()).rejects.toMatchObject({ code: 'E_CLOSED' });
  });

  it('builds upstash through the registry against its own child-process REST server, and stops it', async () => {
    const { url, host, port } = inject('raptorflow').redis;
    const { store, close } = await (ADAPTERS.upstash as NonNullable<(typeof ADAPTERS)['upstash']>).create({
      url,
      host,
      port,
    });
    try {
      expect(store.name).toBe('upstash');
      const key = `bench-adapters:${Math.random().toString(36).slice(2)}`;
      await store.set(key, 'v', { ttl: 60_000 });
      expect(await store.get(key)).toBe('v');
      await store.del(key);
    } finally {
      await close();
    }
    await expect(store.ping()).rejects.toMatchObject({ code: 'E_CLOSED' });
  });
});

import { KV_ADAPTERS } from '@raptorflow/core';
import { describe, expect, it } from 'vitest';
import { ADAPTERS } from '../src/adapters.js';

describe('bench adapters', () => {
  it('benches every single-node variant of the core registry, then the bench-only stacks', () => {
    const core = KV_ADAPTERS.flatMap((a) =>
      a.variants.filter((v) => !v.capabilities.cluster).map((v) => v.name),
    );
    expect(Object.keys(ADAPTERS)).toEqual([...core, 'l1-ioredis']);
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
});

import type { KvStore } from '@raptorflow/core';
import { expectCode, randomPrefix, storeMatrix } from '@raptorflow/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLegacyLocks } from '../src/index.js';

describe.each(storeMatrix({ only: ['memory', 'ioredis'] }))('$name', ({ create }) => {
  let store: KvStore;
  beforeAll(async () => {
    store = (await create()).namespace(randomPrefix());
  });

  it('acquire(name, timeout) is true once, false while held, with timeout as the TTL in seconds', async () => {
    const a = createLegacyLocks({ store });
    const b = createLegacyLocks({ store });
    expect(await a.acquire('job', 30)).toBe(true);
    expect(await b.acquire('job', 30)).toBe(false);
    const pttl = await store.pttl('rf:locks:{job}:lock');
    expect(pttl).toBeGreaterThan(25_000);
    expect(pttl).toBeLessThanOrEqual(30_000);
    // release(name) only releases what this process holds.
    expect(await b.release('job')).toBe(false);
    expect(await a.release('job')).toBe(true);
    expect(await a.release('job')).toBe(false);
    expect(await b.acquire('job', 0.5)).toBe(true);
    expect(await store.pttl('rf:locks:{job}:lock')).toBeLessThanOrEqual(500);
    await b.release('job');
    await a.locks.close();
    await b.locks.close();
  });

  it('the scoped form holds the lock for the block and excludes the old calls meanwhile', async () => {
    const legacy = createLegacyLocks({ store });
    {
      await using lock = await legacy.lock('scoped', 30);
      expect(await store.get('rf:locks:{scoped}:lock')).toBe(lock.token);
      expect(await legacy.acquire('scoped')).toBe(false);
    }
    expect(await store.get('rf:locks:{scoped}:lock')).toBeNull();
    for (const timeout of [0, -1, Number.NaN, '30']) {
      await expectCode(legacy.acquire('x', timeout as never), 'E_INVALID_ARGUMENT');
      await expectCode(legacy.lock('x', timeout as never), 'E_INVALID_ARGUMENT');
    }
    await legacy.locks.close();
  });
});

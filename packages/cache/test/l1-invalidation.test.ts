import { withL1 } from '@raptorflow/core';
import { ioredisAdapter } from '@raptorflow/core/ioredis';
import type { TestServers } from '@raptorflow/testkit';
import { describe, expect, inject, it } from 'vitest';
import { type CacheStatus, createCache } from '../src/index.js';
import { randomPrefix, sleep } from './matrix.js';

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
    await storeA.close();
    await storeB.close();
  });
});

import { memoryAdapter } from '@raptorflow/core';
import { afterAll, describe, expect, it } from 'vitest';
import { createSessions } from '../src/index.js';

/* Exact instants on the memory store's fake clock (the same scripts' twins, proven equal to the Lua). */
describe('on the memory store’s clock', () => {
  let now = 1_700_000_000_000;
  const store = memoryAdapter({ clock: () => now, sweepIntervalMs: 0 });
  afterAll(() => store.close());
  const MIN = 60_000;

  it('touches only once the throttle has passed, slides to now + ttl, stops at the cap', async () => {
    const sessions = createSessions({ store, ttl: '30m', absoluteTtl: '1h', touchAfter: '5m' });
    const created = now;
    const { token, expiresAt } = await sessions.create('alice');
    expect(expiresAt).toBe(created + 30 * MIN);
    now += 5 * MIN - 1;
    expect(await sessions.get(token)).toMatchObject({ touched: false, expiresAt: created + 30 * MIN });
    now += 1;
    expect(await sessions.get(token)).toMatchObject({
      touched: true,
      expiresAt: now + 30 * MIN,
      touchedAt: now,
    });
    // Idle for the whole TTL: gone, and a read does not bring it back.
    now += 30 * MIN;
    expect(await sessions.get(token)).toBeNull();
    expect(await sessions.list('alice')).toEqual([]);

    const second = await sessions.create('alice');
    const start = now;
    for (let i = 0; i < 5; i++) {
      now += 10 * MIN;
      const s = await sessions.get(second.token);
      expect(s?.expiresAt).toBe(Math.min(now + 30 * MIN, start + 60 * MIN));
    }
    now = start + 60 * MIN;
    expect(await sessions.get(second.token)).toBeNull();
  });

  it('list shows live sessions only and prunes the index as it reads', async () => {
    const sessions = createSessions({ store, ttl: '10m', prefix: 'pr:' });
    await sessions.create('bob');
    now += 5 * MIN;
    const late = await sessions.create('bob');
    now += 5 * MIN;
    expect((await sessions.list('bob')).map((s) => s.id)).toEqual([late.id]);
    const index = (await scanAll(store)).filter((k) => k.startsWith('pr:') && k.includes(':u:'));
    expect(index.length).toBe(1);
    expect(await store.zcard(index[0] as string)).toBe(1);
    now += 5 * MIN;
    expect(await sessions.list('bob')).toEqual([]);
    // The index expired with its last session.
    expect(await store.exists(index[0] as string)).toBe(0);
  });
});

async function scanAll(store: ReturnType<typeof memoryAdapter>): Promise<string[]> {
  const out: string[] = [];
  for await (const key of store.scan()) out.push(key);
  return out;
}

describe('token hash', () => {
  it('Node’s native SHA-256 and the edge path (@noble/hashes) agree', async () => {
    const { tokenHash, tokenHashPortable, newToken } = await import('../src/token.js');
    for (let i = 0; i < 20; i++) {
      const token = newToken('abc');
      expect(tokenHash(token)).toBe(tokenHashPortable(token));
    }
    expect(tokenHash('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

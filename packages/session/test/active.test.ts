import { type KvStore, memoryAdapter } from '@raptorflow/core';
import { randomPrefix, storeMatrix, until } from '@raptorflow/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSessions } from '../src/index.js';

/*
 * `countActive()` against what the calls did: exact after create, destroy, rotate, revoke,
 * revokeAll, extend and expiry. On the memory store the clock is a fake one; on the other stores
 * a session is made to expire by `extend(token, '1ms')` and the test waits (until) for the
 * store's own clock to pass it: no wall-clock sleep decides a count.
 */

/** Members of every tag's active set under `prefix`, expired ones not yet pruned included. */
async function activeMembers(store: KvStore, prefix: string): Promise<number> {
  let n = 0;
  for await (const key of store.scan({ match: `${prefix}*` })) {
    if (key.endsWith(':a')) n += await store.zcard(key);
  }
  return n;
}

describe('countActive on the memory store’s clock', () => {
  let now = 1_800_000_000_000;
  const store = memoryAdapter({ clock: () => now, sweepIntervalMs: 0 });
  afterAll(() => store.close());
  const MIN = 60_000;

  it('is exact after every kind of write, and after expiry without a read', async () => {
    const prefix = 'act:';
    const sessions = createSessions({ store, prefix, ttl: '10m', absoluteTtl: '1h', touchAfter: '1m' });
    expect(await sessions.countActive()).toBe(0);
    const users = ['ann', 'bob', 'cy', 'dee', 'eve', 'fay', 'gus'];
    const tokens: Record<string, string[]> = {};
    for (const u of users) {
      tokens[u] = [(await sessions.create(u)).token, (await sessions.create(u)).token];
    }
    expect(await sessions.countActive()).toBe(14);

    expect(await sessions.destroy(tokens.ann?.[0] as string)).toBe(true);
    expect(await sessions.destroy(tokens.ann?.[0] as string)).toBe(false);
    expect(await sessions.countActive()).toBe(13);

    const rotated = await sessions.rotate(tokens.bob?.[0] as string);
    expect(rotated).not.toBeNull();
    expect(await sessions.countActive()).toBe(13);

    expect(await sessions.revokeAll('cy')).toBe(2);
    expect(await sessions.countActive()).toBe(11);

    const dee = (await sessions.list('dee'))[0]?.id as string;
    expect(await sessions.revoke('dee', dee)).toBe(true);
    expect(await sessions.countActive()).toBe(10);

    // 5 min on: eve's first session is read (a touch to now + 10 min), fay's second extended
    // to 30 min (within the cap); then at 10 min every other session has expired.
    now += 5 * MIN;
    expect(await sessions.get(tokens.eve?.[0] as string)).toMatchObject({ touched: true });
    expect(await sessions.extend(tokens.fay?.[1] as string, '30m')).toBe(now + 30 * MIN);
    expect(await sessions.countActive()).toBe(10);
    now += 5 * MIN;
    expect(await sessions.countActive()).toBe(2);
    expect(await sessions.get(tokens.gus?.[0] as string)).toBeNull();
    expect(await sessions.countActive()).toBe(2);

    now += 5 * MIN;
    expect(await sessions.countActive()).toBe(1);
    now += 20 * MIN;
    expect(await sessions.countActive()).toBe(0);
    // Every set expires with its last session: nothing is left behind once the clock passes
    // that session's expiry (fay's, exactly now: a key lives through its expiry ms, as on Redis).
    now += 1;
    expect(await activeMembers(store, prefix)).toBe(0);
  });

  it('a create prunes a few expired members of its tag (bounded work per write)', async () => {
    const prefix = 'prune:';
    const short = createSessions({ store, prefix, ttl: '1m' });
    const long = createSessions({ store, prefix, ttl: '1h' });
    // One user's sessions share a tag (one set): a long one keeps the set alive, 12 short ones
    // expire in it, then each new create prunes up to 8 of them.
    await long.create('hal');
    for (let i = 0; i < 12; i++) await short.create('hal');
    expect(await short.countActive()).toBe(13);
    now += 2 * MIN;
    expect(await short.countActive()).toBe(1);
    expect(await activeMembers(store, prefix)).toBe(13);
    await short.create('hal');
    expect(await activeMembers(store, prefix)).toBe(1 + 12 - 8 + 1);
    await short.create('hal');
    expect(await activeMembers(store, prefix)).toBe(3);
    expect(await short.countActive()).toBe(3);
  });
});

describe.each(storeMatrix())('countActive on $name', ({ create }) => {
  let store: KvStore;
  beforeAll(async () => {
    store = (await create()).namespace(randomPrefix());
  });
  afterAll(async () => {
    await store.close();
  });

  it('is exact after create, destroy, rotate, revokeAll and expiry on the store’s clock', async () => {
    const sessions = createSessions({ store, prefix: randomPrefix() });
    const users = ['ann', 'bob', 'cy', 'dee', 'eve'];
    const tokens: string[][] = [];
    for (const u of users) tokens.push([(await sessions.create(u)).token, (await sessions.create(u)).token]);
    expect(await sessions.countActive()).toBe(10);
    expect(await sessions.destroy(tokens[0]?.[0] as string)).toBe(true);
    expect(await sessions.countActive()).toBe(9);
    expect(await sessions.rotate(tokens[1]?.[0] as string)).not.toBeNull();
    expect(await sessions.countActive()).toBe(9);
    expect(await sessions.revokeAll('cy')).toBe(2);
    expect(await sessions.countActive()).toBe(7);
    // Two sessions end 1 ms from now on the store's clock; nobody reads them again.
    expect(await sessions.extend(tokens[3]?.[0] as string, 1)).not.toBeNull();
    expect(await sessions.extend(tokens[4]?.[1] as string, 1)).not.toBeNull();
    await until(async () => (await sessions.countActive()) === 5);
    expect(await sessions.countActive()).toBe(5);
  });
});

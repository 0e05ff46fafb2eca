import { type KvStore, memoryAdapter, withFailover } from '@raptorflow/core';
import { type FeatureEvent, featureEvents } from '@raptorflow/core/kit';
import { expectCode, randomPrefix, storeMatrix, until } from '@raptorflow/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createSessions, fingerprintHash, ipPrefix } from '../src/index.js';

/** Wait until the store's clock has moved on by a millisecond: a touch then has time to add. */
async function tick(store: KvStore): Promise<void> {
  const t0 = Math.floor(await store.time());
  await until(async () => Math.floor(await store.time()) > t0);
}

const PHONE = { userAgent: 'Phone/1.0', ip: '203.0.113.7' };

describe.each(storeMatrix({ only: ['memory', 'ioredis'] }))('fingerprint policy on $name', ({ create }) => {
  let store: KvStore;
  beforeAll(async () => {
    store = (await create()).namespace(randomPrefix());
  });

  it('a move within the network prefix is the same client', async () => {
    const sessions = createSessions({ store, fingerprint: 'reject' });
    const { token } = await sessions.create('alice', { fingerprint: PHONE });
    const moved = await sessions.get(token, { fingerprint: { ...PHONE, ip: '203.0.113.200' } });
    expect(moved?.fingerprintMismatch).toBe(false);
  });

  it('flag: the session reads, marked, and is touched as usual', async () => {
    const sessions = createSessions({ store, fingerprint: 'flag', touchAfter: 0 });
    const { token } = await sessions.create('bob', { fingerprint: PHONE });
    await tick(store);
    const other = await sessions.get(token, { fingerprint: { userAgent: 'Laptop/2.0', ip: '198.51.100.1' } });
    expect(other).toMatchObject({ userId: 'bob', fingerprintMismatch: true, touched: true });
    expect((await sessions.get(token, { fingerprint: PHONE }))?.fingerprintMismatch).toBe(false);
  });

  it('reject: null for the other client, no touch, and the owner still reads', async () => {
    const sessions = createSessions({ store, fingerprint: 'reject', touchAfter: 0 });
    const { token, expiresAt } = await sessions.create('carol', { fingerprint: PHONE });
    expect(await sessions.get(token, { fingerprint: { userAgent: 'curl/8', ip: '192.0.2.1' } })).toBeNull();
    const owner = await sessions.get(token, { fingerprint: PHONE });
    expect(owner?.userId).toBe('carol');
    expect(owner?.expiresAt).toBeGreaterThanOrEqual(expiresAt);
  });

  it('ignore: never compared', async () => {
    const sessions = createSessions({ store, fingerprint: 'ignore' });
    const { token } = await sessions.create('dave', { fingerprint: PHONE });
    const s = await sessions.get(token, { fingerprint: { userAgent: 'x' } });
    expect(s?.fingerprintMismatch).toBe(false);
  });
});

describe('fingerprints', () => {
  it('hash the user agent and the network prefix, never the address itself', () => {
    expect(ipPrefix('203.0.113.7')).toBe('203.0.113.0/24');
    expect(ipPrefix('::ffff:203.0.113.7')).toBe('203.0.113.0/24');
    expect(ipPrefix('2001:db8:abcd:12::1')).toBe('2001:db8:abcd::/48');
    expect(fingerprintHash(undefined)).toBe('');
    const h = fingerprintHash(PHONE);
    expect(h).toMatch(/^[0-9a-f]{32}$/);
    expect(h).toBe(fingerprintHash({ ...PHONE, ip: '203.0.113.99' }));
    expect(h).not.toBe(fingerprintHash({ ...PHONE, ip: '203.0.114.7' }));
  });
});

describe('metadata schema (zod)', () => {
  const schema = z.object({ role: z.enum(['admin', 'member']), theme: z.string().optional() });

  it('checks create (whole) and update (the patch); a bad value writes nothing', async () => {
    const store = memoryAdapter({ sweepIntervalMs: 0 });
    const sessions = createSessions({ store, schema });
    await expectCode(sessions.create('a', { data: { role: 'owner' } as never }), 'E_SESSION_INVALID_DATA');
    expect(await sessions.list('a')).toEqual([]);
    const { token } = await sessions.create('a', { data: { role: 'member' } });
    await expectCode(sessions.update(token, { theme: 3 } as never), 'E_SESSION_INVALID_DATA');
    expect(await sessions.update(token, { theme: 'dark' })).toBe(true);
    expect((await sessions.get(token))?.data).toEqual({ role: 'member', theme: 'dark' });
    await store.close();
  });

  it('stored data that fails the schema reads as no session, outcome invalid', async () => {
    const store = memoryAdapter({ sweepIntervalMs: 0 });
    const loose = createSessions({ store });
    const strict = createSessions({ store, schema });
    const { token } = await loose.create('b', { data: { role: 'root' } });
    const seen: FeatureEvent[] = [];
    const off = featureEvents(store).on('operation', (e) => seen.push(e));
    expect(await strict.get(token)).toBeNull();
    off();
    expect(seen.map((e) => [e.operation, e.outcome])).toEqual([['get', 'invalid']]);
    await store.close();
  });
});

describe('store failure', () => {
  it('fail-closed by default: the store error reaches the caller', async () => {
    const store = memoryAdapter({ sweepIntervalMs: 0 });
    const sessions = createSessions({ store });
    const { token } = await sessions.create('a');
    await store.close();
    await expectCode(sessions.get(token), 'E_CLOSED');
    await expectCode(sessions.create('a'), 'E_CLOSED');
  });

  it('fail-open: get is null (logged out), writes still reject', async () => {
    const store = memoryAdapter({ sweepIntervalMs: 0 });
    const sessions = createSessions({ store, failurePolicy: 'fail-open' });
    const { token } = await sessions.create('a');
    await store.close();
    expect(await sessions.get(token)).toBeNull();
    await expectCode(sessions.update(token, { a: 1 }), 'E_CLOSED');
  });

  it('a withFailover store with policy fallback is refused', () => {
    const store = withFailover(memoryAdapter({ sweepIntervalMs: 0 }), { policy: 'fallback' });
    expect(() => createSessions({ store })).toThrowError(
      expect.objectContaining({ code: 'E_INVALID_OPTIONS' }),
    );
    expect(() => createSessions({ store, failurePolicy: 'fail-closed' })).not.toThrow();
  });
});

describe('events and options', () => {
  it('one event per call, in the kit’s shape, with the workspace as tenant', async () => {
    let now = 1_700_000_000_000;
    const store = memoryAdapter({ sweepIntervalMs: 0, clock: () => now });
    const sessions = createSessions({ store, touchAfter: 0 });
    const seen: FeatureEvent[] = [];
    const off = featureEvents(store).on('operation', (e) => seen.push(e));
    const { token } = await sessions.create('a', { workspaceId: 'acme' });
    now += 1; // a touch slides the expiry only when there is time to add
    await sessions.get(token);
    await sessions.get('nope');
    await sessions.update(token, { x: 1 });
    await sessions.destroy(token);
    await sessions.revokeAll('a');
    await sessions.create('a');
    await sessions.create('a');
    await sessions.revokeAll('a');
    off();
    expect(seen.map((e) => [e.feature, e.operation, e.outcome, e.tenant])).toEqual([
      ['session', 'create', 'ok', 'acme'],
      ['session', 'get', 'hit', 'acme'],
      ['session', 'get', 'miss', undefined],
      ['session', 'update', 'ok', undefined],
      ['session', 'destroy', 'ok', undefined],
      ['session', 'revokeAll', 'ok', undefined],
      ['session', 'create', 'ok', undefined],
      ['session', 'create', 'ok', undefined],
      ['session', 'revokeAll', 'ok', undefined],
    ]);
    expect(seen[1]?.detail).toEqual({ touched: true });
    // revokeAll says how many sessions it ended (metrics counts revocations from it).
    expect([seen[5]?.detail, seen[8]?.detail]).toEqual([{ revoked: 0 }, { revoked: 2 }]);
    await store.close();
  });

  it('names the bad field in E_INVALID_OPTIONS', () => {
    const store = memoryAdapter({ sweepIntervalMs: 0 });
    const bad: Array<[unknown, string]> = [
      [{}, 'createSessions: store:'],
      [{ store, ttl: '1.5ms' }, 'createSessions: ttl:'],
      [{ store, ttl: '1h', touchAfter: '2h' }, 'createSessions: touchAfter: must be shorter than ttl'],
      [{ store, fingerprint: 'strict' }, 'createSessions: fingerprint:'],
      [{ store, schema: 'x' }, 'createSessions: schema: expected a zod object schema'],
      [{ store, tll: '1h' }, 'createSessions: tll: is not an option'],
      [{ store, prefix: 'a{b' }, 'prefix'],
    ];
    for (const [options, message] of bad) {
      expect(() => createSessions(options as never)).toThrowError(
        expect.objectContaining({ code: 'E_INVALID_OPTIONS', message: expect.stringContaining(message) }),
      );
    }
  });
});

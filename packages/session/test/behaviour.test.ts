import type { KvStore } from '@raptorflow/core';
import { expectCode, randomPrefix, storeMatrix, until } from '@raptorflow/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSessions, TOKEN_PATTERN } from '../src/index.js';
import { userHash } from '../src/token.js';

/*
 * The behavioural suite on every store of the matrix: memory, ioredis, ioredis Cluster (3
 * masters), Upstash through the local REST server. Expiry is decided by the store's clock: a
 * test waits (until) for the store to drop a key, and never races a wall-clock sleep.
 */
describe.each(storeMatrix())('$name', ({ create }) => {
  let store: KvStore;
  beforeAll(async () => {
    store = (await create()).namespace(randomPrefix());
  });
  const make = (extra: Partial<Parameters<typeof createSessions>[0]> = {}) =>
    createSessions({ store, prefix: `${randomPrefix()}`, ...extra });

  it('creates, reads, and keeps only the hash of the token', async () => {
    const sessions = make();
    const { token, id, expiresAt } = await sessions.create('alice', {
      workspaceId: 'acme',
      data: { role: 'admin', n: 1 },
    });
    expect(token).toMatch(TOKEN_PATTERN);
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    const s = await sessions.get(token);
    expect(s).toMatchObject({ id, userId: 'alice', workspaceId: 'acme', data: { role: 'admin', n: 1 } });
    expect(s?.expiresAt).toBe(expiresAt);
    expect(s?.absoluteExpiresAt).toBe((s?.createdAt ?? 0) + 7 * 86_400_000);
    expect(s?.expiresAt).toBe((s?.createdAt ?? 0) + 86_400_000);
    // No key and no value in the store holds the token.
    const secret = token.split('.')[2] as string;
    for await (const key of store.scan()) {
      expect(key).not.toContain(secret);
      const type = await store.type(key);
      if (type === 'string') expect(await store.get(key)).not.toContain(secret);
      if (type === 'hash')
        for (const v of Object.values(await store.hgetall(key))) expect(v).not.toContain(secret);
    }
    expect(await sessions.get(`${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`)).toBeNull();
    expect(await sessions.get('not a token')).toBeNull();
  });

  it('50 parallel updates of different fields lose none', async () => {
    const sessions = make();
    const { token } = await sessions.create('bob', { data: { keep: true } });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => sessions.update(token, { [`f${i}`]: i })),
    );
    expect(results.every(Boolean)).toBe(true);
    const data = (await sessions.get(token))?.data as Record<string, unknown>;
    expect(Object.keys(data).length).toBe(51);
    for (let i = 0; i < 50; i++) expect(data[`f${i}`]).toBe(i);
    expect(await sessions.update(token, { keep: undefined })).toBe(true);
    expect((await sessions.get(token))?.data.keep).toBeUndefined();
  });

  it('a destroyed, rotated or revoked token never reads again', async () => {
    const sessions = make();
    const a = await sessions.create('carol', { data: { x: 1 } });
    expect(await sessions.destroy(a.token)).toBe(true);
    expect(await sessions.get(a.token)).toBeNull();
    expect(await sessions.destroy(a.token)).toBe(false);
    expect(await sessions.update(a.token, { y: 2 })).toBe(false);
    expect(await sessions.extend(a.token, '1h')).toBeNull();

    const b = await sessions.create('carol', { data: { x: 2 } });
    const rotated = await sessions.rotate(b.token);
    expect(rotated?.token).toMatch(TOKEN_PATTERN);
    expect(rotated?.token).not.toBe(b.token);
    expect(await sessions.get(b.token)).toBeNull();
    expect((await sessions.get(rotated?.token as string))?.data).toEqual({ x: 2 });
    expect(await sessions.rotate(b.token)).toBeNull();

    const c = await sessions.create('carol');
    const d = await sessions.create('carol');
    expect((await sessions.list('carol')).map((s) => s.id).sort()).toEqual([rotated?.id, c.id, d.id].sort());
    expect(await sessions.revokeAll('carol', { except: d.token })).toBe(2);
    expect(await sessions.get(c.token)).toBeNull();
    expect(await sessions.get(rotated?.token as string)).toBeNull();
    expect((await sessions.get(d.token))?.userId).toBe('carol');
    expect((await sessions.list('carol')).map((s) => s.id)).toEqual([d.id]);
    expect(await sessions.revoke('carol', d.id)).toBe(true);
    expect(await sessions.get(d.token)).toBeNull();
    expect(await sessions.list('carol')).toEqual([]);
  });

  it('extend slides to now + ttl but never past the absolute cap', async () => {
    const sessions = make({ ttl: '1h', absoluteTtl: '2h' });
    const { token } = await sessions.create('dave');
    const s = (await sessions.get(token)) as NonNullable<Awaited<ReturnType<typeof sessions.get>>>;
    const longer = await sessions.extend(token, '10h');
    expect(longer).toBe(s.absoluteExpiresAt);
    const shorter = await sessions.extend(token, 60_000);
    expect(shorter).toBeLessThan(s.absoluteExpiresAt);
    expect((await sessions.get(token))?.expiresAt).toBe(shorter);
  });

  it('an expired session is gone on the store’s clock, never resurrected, and leaves no index entry', async () => {
    const sessions = make({ ttl: 1_000, touchAfter: 0 });
    const { token, id } = await sessions.create('erin');
    // The store expires the record; nobody touches it meanwhile.
    const record = (await findKeys(store, id))[0] as string;
    expect(record).toBeDefined();
    await until(async () => (await store.exists(record)) === 0);
    expect(await sessions.get(token)).toBeNull();
    expect(await sessions.update(token, { a: 1 })).toBe(false);
    expect(await sessions.extend(token, '1h')).toBeNull();
    expect(await sessions.rotate(token)).toBeNull();
    expect(await store.exists(record)).toBe(0);
    expect(await sessions.list('erin')).toEqual([]);
  });

  it('the absolute cap ends a session that is touched on every read', async () => {
    const sessions = make({ ttl: '1h', absoluteTtl: 1_000, touchAfter: 0 });
    const { token, expiresAt } = await sessions.create('frank');
    const info = await sessions.list('frank');
    // Whatever the reads, the expiry is the cap (1 s), never created + 1 h.
    if (info.length === 1) expect(info[0]?.expiresAt).toBe(info[0]?.absoluteExpiresAt);
    expect(expiresAt).toBe(info[0]?.absoluteExpiresAt ?? expiresAt);
    await until(async () => {
      const s = await sessions.get(token);
      if (s !== null) expect(s.expiresAt).toBe(expiresAt);
      return s === null;
    });
    expect(await sessions.list('frank')).toEqual([]);
  });

  it('workspace: a session of another workspace reads as none', async () => {
    const sessions = make();
    const { token } = await sessions.create('gina', { workspaceId: 'acme' });
    expect(await sessions.get(token, { workspaceId: 'other' })).toBeNull();
    expect((await sessions.get(token, { workspaceId: 'acme' }))?.workspaceId).toBe('acme');
  });

  it('a session written by the previous layout (format 1, a hash) still reads, updates, lists and ends', async () => {
    const sessions = make();
    const { token, id, expiresAt } = await sessions.create('erin', { workspaceId: 'acme' });
    const [record] = (await findKeys(store, id)).filter((k) => k.includes(':s:'));
    const now = (await sessions.get(token))?.createdAt as number;
    // What 0.x wrote for this session: the same key, a hash of fields, data as `d.<name>` JSON.
    await store.del(record as string);
    await store.hset(record as string, {
      u: 'erin',
      h: userHash('erin'),
      w: 'acme',
      c: String(now),
      t: String(now),
      e: String(expiresAt),
      x: String(now + 7 * 86_400_000),
      i: String(86_400_000),
      f: '',
      'd.role': '"admin"',
      'd.prefs': '{"theme":"dark","n":[1,2]}',
    });
    expect(await store.pexpire(record as string, expiresAt - now)).toBe(true);
    expect((await sessions.get(token))?.data).toEqual({ role: 'admin', prefs: { theme: 'dark', n: [1, 2] } });
    expect(await store.type(record as string)).toBe('string');
    expect(await sessions.update(token, { role: undefined, seen: true })).toBe(true);
    expect((await sessions.get(token))?.data).toEqual({ prefs: { theme: 'dark', n: [1, 2] }, seen: true });
    expect((await sessions.list('erin')).map((s) => s.id)).toEqual([id]);
    expect(await sessions.destroy(token)).toBe(true);
    expect(await sessions.get(token)).toBeNull();
    expect(await sessions.list('erin')).toEqual([]);
  });

  it('refuses bad arguments with E_INVALID_ARGUMENT and writes nothing', async () => {
    const sessions = make();
    for (const user of ['', 5, null, 'x'.repeat(2000)])
      await expectCode(sessions.create(user as string), 'E_INVALID_ARGUMENT');
    await expectCode(sessions.get(42 as unknown as string), 'E_INVALID_ARGUMENT');
    await expectCode(sessions.create('h', { data: [] as never }), 'E_INVALID_ARGUMENT');
    await expectCode(sessions.create('h', { data: { n: 10n } }), 'E_SESSION_INVALID_DATA');
    await expectCode(sessions.extend('rf1.abc.x', 'soon' as never), 'E_INVALID_ARGUMENT');
    expect(await sessions.list('h')).toEqual([]);
  });
});

async function findKeys(store: KvStore, id: string): Promise<string[]> {
  const out: string[] = [];
  for await (const key of store.scan({ match: `*${id}` })) out.push(key);
  return out;
}

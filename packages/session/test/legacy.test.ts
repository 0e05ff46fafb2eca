import type { KvStore } from '@raptorflow/core';
import { expectCode, randomPrefix, storeMatrix } from '@raptorflow/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLegacySessions } from '../src/index.js';

describe.each(storeMatrix({ only: ['memory', 'ioredis'] }))('legacy calls on $name', ({ create }) => {
  let store: KvStore;
  beforeAll(async () => {
    store = (await create()).namespace(randomPrefix());
  });

  it('create / get / update / extend / delete in the old shapes, 24 h from REDIS_SESSION_TTL', async () => {
    const legacy = createLegacySessions({ store, env: { REDIS_SESSION_TTL: '86400' } });
    const browser = { userAgent: 'Firefox/130', ip: '198.51.100.4', browser: 'Firefox', os: 'Linux' };
    const id = await legacy.create('u1', 'w1', browser);
    const s = await legacy.get(id, { userAgent: 'Firefox/130', ip: '198.51.100.9' });
    expect(s).toMatchObject({ sessionId: id, userId: 'u1', workspaceId: 'w1', metadata: browser });
    expect(s?.fingerprintMismatch).toBe(false);
    expect((s?.expiresAt.getTime() ?? 0) - (s?.createdAt.getTime() ?? 0)).toBe(86_400_000);
    expect((await legacy.get(id, { userAgent: 'curl/8' }))?.fingerprintMismatch).toBe(true);
    expect(await legacy.update(id, { device: 'laptop' })).toBe(true);
    expect((await legacy.get(id))?.metadata).toEqual({ ...browser, device: 'laptop' });
    expect(await legacy.extend(id, 3600)).toBe(true);
    const after = await legacy.get(id);
    expect((after?.expiresAt.getTime() ?? 0) - (after?.lastActivity.getTime() ?? 0)).toBe(3_600_000);
    expect(await legacy.delete(id)).toBe(true);
    expect(await legacy.get(id)).toBeNull();
    expect(await legacy.update(id, { os: 'x' })).toBe(false);
    expect(await legacy.extend(id)).toBe(false);
  });

  it('REDIS_SESSION_TTL sets the TTL; a bad value names the variable', async () => {
    const short = createLegacySessions({ store, env: { REDIS_SESSION_TTL: '60' } });
    expect(short.sessions.ttl).toBe(60_000);
    expect(createLegacySessions({ store, env: {} }).sessions.ttl).toBe(86_400_000);
    expect(() => createLegacySessions({ store, env: { REDIS_SESSION_TTL: '1.5' } })).toThrowError(
      expect.objectContaining({
        code: 'E_INVALID_OPTIONS',
        message: expect.stringContaining('REDIS_SESSION_TTL'),
      }),
    );
    await expectCode(short.extend('x', -1), 'E_INVALID_ARGUMENT');
  });
});

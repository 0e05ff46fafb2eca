import type { KvStore } from '@raptorflow/core';
import { ioredisAdapter } from '@raptorflow/core/ioredis';
import { until } from '@raptorflow/core/testing';
import { countCommands, type RedisServer, startRedis } from '@raptorflow/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RaptorflowStore } from '../src/express-session.js';
import { createSessions, type Sessions } from '../src/index.js';

/*
 * Round trips counted on a redis-server of this file's own (INFO commandstats), so no other
 * file's commands mix in. Commands run inside a script are counted under their own names
 * (hgetall, hset...), so only the top-level ones are compared.
 */

let server: RedisServer;
let store: KvStore;
let sessions: Sessions;
let eager: Sessions;
beforeAll(async () => {
  server = await startRedis();
  store = ioredisAdapter({ host: server.host, port: server.port });
  sessions = createSessions({ store });
  eager = createSessions({ store, touchAfter: 0 });
  // Load every script once: the first call of each may add an EVAL after a NOSCRIPT.
  const { token } = await sessions.create('warm');
  await sessions.get(token);
  await eager.get(token);
  await sessions.update(token, { a: 1 });
  await sessions.extend(token, '1h');
  const rotated = await sessions.rotate(token);
  await sessions.list('warm');
  await sessions.destroy(rotated?.token as string);
  await sessions.revokeAll('warm');
});
afterAll(async () => {
  await store.close();
  await server.stop();
});

/** Wait until the store's clock has moved on by a millisecond: a touch then has time to add. */
async function tick(store: KvStore): Promise<void> {
  const t0 = Math.floor(await store.time());
  await until(async () => Math.floor(await store.time()) > t0);
}

const TOP_LEVEL = new Set(['evalsha', 'eval', 'evalsha_ro', 'eval_ro', 'get', 'hget', 'hgetall', 'exists']);
const topLevel = (counts: Record<string, number>) =>
  Object.fromEntries(
    Object.entries(counts).filter(([name]) => TOP_LEVEL.has(name) && name.startsWith('eval')),
  );
const total = (counts: Record<string, number>) => Object.values(topLevel(counts)).reduce((a, b) => a + b, 0);

describe('commands per call on Redis', () => {
  it('create 1; get 1 without a touch and 1 with one; revokeAll 1', async () => {
    let token = '';
    expect(
      topLevel(
        await countCommands(server, async () => {
          token = (await sessions.create('alice', { data: { role: 'admin' } })).token;
        }),
      ),
    ).toEqual({ evalsha: 1 });
    // Within the throttle: a read, nothing written.
    const quiet = await countCommands(server, async () => {
      expect((await sessions.get(token))?.touched).toBe(false);
    });
    expect(topLevel(quiet)).toEqual({ evalsha: 1 });
    expect(quiet.hset ?? 0).toBe(0);
    expect(quiet.pexpireat ?? 0).toBe(0);
    // touchAfter 0: the touch is in the same script.
    await tick(store);
    const touching = await countCommands(server, async () => {
      expect((await eager.get(token))?.touched).toBe(true);
    });
    expect(topLevel(touching)).toEqual({ evalsha: 1 });
    expect(touching.pexpireat).toBeGreaterThanOrEqual(1);
    for (let i = 0; i < 5; i++) await sessions.create('alice');
    const revoke = await countCommands(server, async () => {
      expect(await sessions.revokeAll('alice')).toBe(6);
    });
    expect(topLevel(revoke)).toEqual({ evalsha: 1 });
  });

  it('update, extend, destroy, rotate and list are 1 each', async () => {
    const { token } = await sessions.create('bob');
    let current = token;
    const calls: Array<() => Promise<unknown>> = [
      () => sessions.update(current, { x: 1 }),
      () => sessions.extend(current, '2h'),
      async () => {
        current = (await sessions.rotate(current))?.token as string;
      },
      () => sessions.list('bob'),
      () => sessions.destroy(current),
    ];
    for (const call of calls) expect(total(await countCommands(server, call))).toBe(1);
  });

  it('countActive: a TIME and 4,096 ZCOUNTs (one per tag), nothing else; create is still one EVALSHA', async () => {
    const counter = createSessions({ store, prefix: 'rt-active:' });
    for (const user of ['u1', 'u2', 'u3']) {
      expect(topLevel(await countCommands(server, () => counter.create(user)))).toEqual({ evalsha: 1 });
    }
    let n = -1;
    const counted = await countCommands(server, async () => {
      n = await counter.countActive();
    });
    expect(n).toBe(3);
    expect(counted).toEqual({ time: 1, zcount: 4096 });
  });

  it('a malformed token costs no round trip', async () => {
    expect(total(await countCommands(server, () => sessions.get('garbage')))).toBe(0);
  });

  it('express-session store: get is one GET; set, touch, destroy, all, ids, length, clear one EVALSHA each', async () => {
    const es = new RaptorflowStore({ store });
    const sess = { cookie: { originalMaxAge: 60_000, expires: new Date(Date.now() + 60_000) } } as never;
    // Load both scripts.
    await es.set('warm', sess);
    await es.ids();
    await es.clear();
    expect(await countCommands(server, () => es.set('sid', sess))).toMatchObject({ evalsha: 1 });
    const read = await countCommands(server, () => es.get('sid'));
    expect(read).toEqual({ get: 1 });
    const calls: Array<() => Promise<unknown>> = [
      () => es.touch('sid', sess),
      () => es.all(),
      () => es.ids(),
      () => es.length(),
      () => es.destroy('sid'),
      () => es.clear(),
    ];
    for (const call of calls) expect(total(await countCommands(server, call))).toBe(1);
  });
});

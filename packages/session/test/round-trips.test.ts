import { instrument, type KvCallEvent, type KvStore, withL1 } from '@raptorflow/core';
import { ioredisAdapter } from '@raptorflow/core/ioredis';
import { type FeatureEvent, featureEvents } from '@raptorflow/core/kit';
import { randomPrefix, until } from '@raptorflow/core/testing';
import { upstashAdapter } from '@raptorflow/core/upstash';
import { countCommands, type RedisServer, startRedis } from '@raptorflow/testkit';
import { startUpstashServer, type UpstashServer } from '@raptorflow/testkit/upstash';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RaptorflowStore } from '../src/express-session.js';
import { createSessions, type Sessions } from '../src/index.js';

/*
 * Round trips counted on a redis-server of this file's own (INFO commandstats), so no other
 * file's commands mix in. Commands run inside a script are counted under their own names
 * (hgetall, hset...), so only the top-level ones are compared.
 */

let server: RedisServer;
let upstash: UpstashServer;
let store: KvStore;
let rest: KvStore;
let sessions: Sessions;
let eager: Sessions;
beforeAll(async () => {
  server = await startRedis();
  store = ioredisAdapter({ host: server.host, port: server.port });
  // Upstash through the local REST server on the same redis-server: its commands count there too.
  upstash = await startUpstashServer({ redisUrl: server.url });
  rest = upstashAdapter({ url: upstash.url, token: upstash.token });
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
  await store?.close();
  await rest?.close();
  await upstash?.stop();
  await server?.stop();
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
    // Within the throttle: a read, nothing written (one plain GET: see the tests below).
    const quiet = await countCommands(server, async () => {
      expect((await sessions.get(token))?.touched).toBe(false);
    });
    expect(topLevel(quiet)).toEqual({});
    expect(quiet.get).toBe(1);
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

/*
 * `get`'s plain GET goes straight to the adapter's driver when only namespace views lie between
 * (`bareDriver` in src/sessions.ts): it must name the same key the views would, and any layer
 * must still see it.
 */
describe('the plain GET under views and layers', () => {
  it('nested namespace views: one GET of the record under both prefixes', async () => {
    const s = createSessions({ store: store.namespace('pv-a:').namespace('pv-b:'), touchAfter: '1h' });
    const { token, id } = await s.create('nested', { data: { a: 1 } });
    let got: unknown;
    expect(
      await countCommands(server, async () => {
        got = await s.get(token);
      }),
    ).toEqual({ get: 1 });
    expect(got).toMatchObject({ id, userId: 'nested', data: { a: 1 }, touched: false });
    const keys: string[] = [];
    for await (const key of store.scan({ match: `*:s:${id}` })) keys.push(key);
    expect(keys).toEqual([expect.stringMatching(/^pv-a:pv-b:rf:session:\{[0-9a-f]{3}\}:s:/)]);
  });

  it('an instrument layer sees the GET: a layer is never bypassed', async () => {
    const kv = instrument(store);
    const calls: KvCallEvent[] = [];
    kv.events.on('call', (e) => {
      calls.push(e);
    });
    const s = createSessions({ store: kv.namespace('pv-i:'), touchAfter: '1h' });
    const { token } = await s.create('layered');
    calls.length = 0;
    expect(
      await countCommands(server, async () => {
        expect(await s.get(token)).toMatchObject({ userId: 'layered', touched: false });
      }),
    ).toEqual({ get: 1 });
    expect(calls.map((e) => [e.kind, e.name])).toEqual([['command', 'GET']]);
  });
});

/*
 * `get` answers with one plain GET while no touch can be due (see `src/plain-get.ts`), and with
 * the script, alone, when this process saw that a touch is due. Decided on the store's clock:
 * the test waits on `TIME`, never on a timer.
 */
describe.each([
  { name: 'ioredis', target: () => store },
  { name: 'upstash', target: () => rest },
])('get on $name: a plain GET when no touch is due', ({ target }) => {
  // A script's own GET (it reads the record with one) counts under `get` too: `get` here is the
  // top-level ones, what is left after one per script call.
  const count = (fn: () => Promise<unknown>) =>
    countCommands(server, fn).then((c) => {
      const evalsha = c.evalsha ?? 0;
      const evals = c.eval ?? 0;
      return { get: (c.get ?? 0) - evalsha - evals, evalsha, eval: evals };
    });
  beforeAll(async () => {
    // Load the script on this client: its first call may be an EVAL.
    const prefix = randomPrefix();
    const { token } = await createSessions({ store: target(), prefix }).create('warm');
    // A process that did not create it has no hint: its first get is the script.
    await createSessions({ store: target(), prefix }).get(token);
  });
  /** The record key of a session id (the only key ending with it). */
  async function recordOf(s: KvStore, id: string): Promise<string> {
    for await (const key of s.scan({ match: `*:s:${id}` })) return key;
    throw new Error('no record');
  }

  it('no touch due: exactly 1 GET and 0 EVALSHA, the same session as the script returns', async () => {
    const s = target();
    const prefix = randomPrefix();
    const make = (fingerprint?: 'reject') =>
      createSessions({ store: s, prefix, touchAfter: '1h', fingerprint });
    const sessions = make();
    const fp = { userAgent: 'ua-1', ip: '127.0.0.1' };
    const { token } = await sessions.create('pg-user', {
      workspaceId: 'w1',
      data: { a: 1 },
      fingerprint: fp,
    });
    let first: unknown;
    // The process that created it knows when its touch falls: a plain GET from the first read.
    expect(await count(async () => (first = await sessions.get(token, { fingerprint: fp })))).toEqual({
      get: 1,
      evalsha: 0,
      eval: 0,
    });
    // A cold process (no hint, no estimate of the store's clock yet): the script, once.
    const cold = make();
    let second: unknown;
    expect(await count(async () => (second = await cold.get(token, { fingerprint: fp })))).toEqual({
      get: 0,
      evalsha: 1,
      eval: 0,
    });
    expect(await count(() => cold.get(token, { fingerprint: fp }))).toEqual({ get: 1, evalsha: 0, eval: 0 });
    expect(second).toEqual(first);
    expect(second).toMatchObject({
      touched: false,
      workspaceId: 'w1',
      data: { a: 1 },
      fingerprintMismatch: false,
    });

    // Refusals on the GET path: the script's outcomes, nothing written.
    const seen: FeatureEvent[] = [];
    const off = featureEvents(s).on('operation', (e) => {
      if (e.operation === 'get') seen.push(e);
    });
    try {
      expect(await count(() => sessions.get(token, { workspaceId: 'w2' }))).toEqual({
        get: 1,
        evalsha: 0,
        eval: 0,
      });
      expect(await sessions.get(token, { workspaceId: 'w2' })).toBeNull();
      expect((await sessions.get(token, { fingerprint: { userAgent: 'other' } }))?.fingerprintMismatch).toBe(
        true,
      );
      const strict = make('reject');
      expect(await strict.get(token, { fingerprint: fp })).not.toBeNull();
      expect(
        await count(async () =>
          expect(await strict.get(token, { fingerprint: { userAgent: 'other' } })).toBeNull(),
        ),
      ).toEqual({ get: 1, evalsha: 0, eval: 0 });
      expect(seen.map((e) => e.outcome)).toEqual(['miss', 'miss', 'flagged', 'hit', 'rejected']);
      expect(seen[0]?.tenant).toBe('w2');
    } finally {
      off();
    }

    // Destroyed elsewhere: the GET is nil, a miss, and the next read is the script again.
    expect(await make().destroy(token)).toBe(true);
    expect(await count(async () => expect(await sessions.get(token)).toBeNull())).toEqual({
      get: 1,
      evalsha: 0,
      eval: 0,
    });
    expect(await count(async () => expect(await sessions.get(token)).toBeNull())).toEqual({
      get: 0,
      evalsha: 1,
      eval: 0,
    });
  });

  it('touch due: the script alone, 1 EVALSHA, and it touches', async () => {
    const s = target();
    const sessions = createSessions({ store: s, prefix: randomPrefix(), touchAfter: 300 });
    const { token } = await sessions.create('pg-due');
    const before = await sessions.get(token);
    // On the store's clock, the throttle has passed.
    await until(async () => (await s.time()) >= (before?.touchedAt as number) + 300);
    let after: Awaited<ReturnType<typeof sessions.get>> = null;
    expect(await count(async () => (after = await sessions.get(token)))).toEqual({
      get: 0,
      evalsha: 1,
      eval: 0,
    });
    expect(after).toMatchObject({ touched: true });
    expect((after as unknown as { touchedAt: number }).touchedAt).toBeGreaterThan(
      before?.touchedAt as number,
    );
  });

  it('a touch the hint did not foresee (touched long ago by another writer): GET, then the script touches', async () => {
    const s = target();
    const sessions = createSessions({ store: s, prefix: randomPrefix(), touchAfter: '1h' });
    const { token, id } = await sessions.create('pg-old', { data: { n: 1 } });
    const seen = await sessions.get(token);
    const key = await recordOf(s, id);
    const v = (await s.get(key)) as string;
    const t = String((seen?.touchedAt as number) - 2 * 3_600_000);
    // The same record, its last touch two hours back (its expiry unchanged).
    const old = v.replace(/^s2,\d+,/, `s2,${t},`);
    expect(await s.set(key, old, { keepTtl: true })).toBe(true);
    let got: Awaited<ReturnType<typeof sessions.get>> = null;
    expect(await count(async () => (got = await sessions.get(token)))).toEqual({
      get: 1,
      evalsha: 1,
      eval: 0,
    });
    expect(got).toMatchObject({ touched: true, data: { n: 1 } });
  });
});

describe('get through an L1 layer', () => {
  it('is always the script: an L1 could serve a record another process has destroyed', async () => {
    const prefix = randomPrefix();
    const sessions = createSessions({ store: withL1(store, { max: 100, ttl: 60_000 }), prefix });
    const { token } = await sessions.create('l1-user');
    for (let i = 0; i < 2; i++) {
      const c = await countCommands(server, async () => expect(await sessions.get(token)).not.toBeNull());
      expect(c.evalsha).toBe(1);
    }
    // Destroyed by another process (no L1): the next read sees it at once.
    expect(await createSessions({ store, prefix }).destroy(token)).toBe(true);
    expect(await sessions.get(token)).toBeNull();
  });
});

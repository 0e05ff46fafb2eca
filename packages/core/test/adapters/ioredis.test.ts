import {
  commandStats,
  diffCommandStats,
  findFreePort,
  type RedisServer,
  respCommand,
  startFaultProxy,
  startRedis,
} from '@raptorflow/testkit';
import { Redis } from 'ioredis';
import * as vitest from 'vitest';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ioredisAdapter } from '../../src/adapters/ioredis.js';
import { defineScript, isKvError, type KvStore } from '../../src/index.js';
import { runConformance, until } from '../../src/testing/index.js';

const servers = inject('raptorflow');
const stores: KvStore[] = [];
const clients: Redis[] = [];
let own: RedisServer;

function track(store: KvStore): KvStore {
  stores.push(store);
  return store;
}

function ownStore(options: Record<string, unknown> = {}): KvStore {
  return track(ioredisAdapter({ host: own.host, port: own.port, ...options }));
}

beforeAll(async () => {
  // Counting, pausing and killing connections need a server no other test file uses.
  own = await startRedis();
});

afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  for (const c of clients) c.disconnect();
  await own?.stop();
});

const prefix = `ioredis-test:${process.pid}:`;

const incrWithTtl = defineScript({
  name: 'incr-with-ttl',
  keys: 1,
  lua: "local c = redis.call('INCR', KEYS[1]) if c == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end return c",
  twin: () => 0,
});

runConformance({ name: 'ioredis', create: () => ioredisAdapter({ url: servers.redis.url }), runner: vitest });

describe('ioredis adapter: commands', () => {
  it('runs commands, batches, scans and scripts with RESP2 replies', async () => {
    const store = track(ioredisAdapter({ url: servers.redis.url }));
    const k = `${prefix}basic:`;
    expect(await store.set(`${k}a`, '1')).toBe(true);
    expect(await store.set(`${k}a`, '2', { nx: true })).toBe(false);
    expect(await store.mget([`${k}a`, `${k}missing`])).toEqual(['1', null]);
    expect(await store.hset(`${k}h`, { f: 'v', g: 'w' })).toBe(2);
    expect(await store.hgetall(`${k}h`)).toEqual({ f: 'v', g: 'w' });
    await store.zadd(`${k}z`, [
      { member: 'a', score: 1.1 },
      { member: 'b', score: Number.POSITIVE_INFINITY },
    ]);
    expect(
      await store.zrangeByScoreWithScores(`${k}z`, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY),
    ).toEqual([
      { member: 'a', score: 1.1 },
      { member: 'b', score: Number.POSITIVE_INFINITY },
    ]);
    const results = await store
      .batch()
      .get(`${k}a`)
      .incrBy(`${k}n`, 5)
      // A TTL far beyond the test's length: the DEL below counts this key, and 1 s ran out
      // between the two under verify:stress.
      .eval(incrWithTtl, [`${k}s`], [600_000])
      .exec();
    expect(results).toEqual(['1', 5, 1]);
    const keys: string[] = [];
    for await (const key of store.scan({ match: `${k}*`, count: 2 })) keys.push(key);
    expect(keys.sort()).toEqual([`${k}a`, `${k}h`, `${k}n`, `${k}s`, `${k}z`]);
    expect(await store.time()).toBeGreaterThan(1.6e12);
    expect(await store.del([`${k}a`, `${k}h`, `${k}n`, `${k}s`, `${k}z`])).toBe(5);
  });

  it('reports capabilities', () => {
    const store = track(ioredisAdapter({ url: servers.redis.url }));
    expect(store.capabilities).toEqual({
      pubsub: true,
      cluster: false,
      ttlGranularityMs: 1,
      maxValueBytes: 512 * 1024 * 1024,
      persistent: true,
      shared: true,
      blocking: false,
    });
    expect(store.name).toBe('ioredis');
  });

  it('rejects bad options with E_INVALID_OPTIONS naming the field', () => {
    // One format for every option error of every package: `<where>: <field>: <problem>`.
    expect(() => ioredisAdapter({ port: 70000 })).toThrow(/ioredisAdapter: port: /);
    expect(() => ioredisAdapter({ url: 'http://x' })).toThrow(/ioredisAdapter: url: /);
    expect(() => ioredisAdapter({ commandTimeoutMs: -1 })).toThrow(/ioredisAdapter: commandTimeoutMs: /);
    expect(() => ioredisAdapter({ socketTimeoutMs: -1 })).toThrow(/ioredisAdapter: socketTimeoutMs: /);
    expect(() => ioredisAdapter({ nope: 1 } as never)).toThrow('ioredisAdapter: nope: is not an option');
    try {
      ioredisAdapter({ url: servers.redis.url, host: 'x' });
      expect.unreachable();
    } catch (error) {
      expect(isKvError(error, 'E_INVALID_OPTIONS')).toBe(true);
    }
  });

  it('refuses a client with keyPrefix or stringNumbers', () => {
    const a = new Redis({ ...servers.redis, lazyConnect: true, keyPrefix: 'x:' });
    const b = new Redis({ ...servers.redis, lazyConnect: true, stringNumbers: true });
    expect(() => ioredisAdapter(a)).toThrow(/ioredisAdapter: client: keyPrefix is not supported/);
    expect(() => ioredisAdapter(b)).toThrow(/ioredisAdapter: client: stringNumbers is not supported/);
  });
});

describe('ioredis adapter: round trips', () => {
  it('one GET is exactly one server command', async () => {
    const store = ownStore();
    await store.set('rt:a', 'x');
    const before = await commandStats(own.host, own.port);
    expect(await store.get('rt:a')).toBe('x');
    const delta = diffCommandStats(before, await commandStats(own.host, own.port));
    expect(Object.fromEntries(delta)).toEqual({ get: 1 });
  });

  it('sends EVAL on first use, EVALSHA after, and falls back to EVAL on NOSCRIPT', async () => {
    const store = ownStore();
    const count = async (run: () => Promise<unknown>): Promise<unknown[]> => {
      const before = await commandStats(own.host, own.port);
      await run();
      const delta = diffCommandStats(before, await commandStats(own.host, own.port));
      return [delta.get('evalsha'), delta.get('eval')];
    };
    await respCommand(own.host, own.port, ['SCRIPT', 'FLUSH']);
    expect(await count(() => store.eval(incrWithTtl, ['ns:a'], [1000]))).toEqual([undefined, 1]);
    expect(await count(() => store.eval(incrWithTtl, ['ns:a'], [1000]))).toEqual([1, undefined]);
    await respCommand(own.host, own.port, ['SCRIPT', 'FLUSH']);
    let reply: unknown;
    expect(
      await count(async () => {
        reply = await store.eval(incrWithTtl, ['ns:a'], [1000]);
      }),
    ).toEqual([1, 1]);
    expect(reply).toBe(3);
    expect(await count(() => store.eval(incrWithTtl, ['ns:a'], [1000]))).toEqual([1, undefined]);
  });

  it('falls back to EVAL on NOSCRIPT inside a batch', async () => {
    const store = ownStore();
    await store.eval(incrWithTtl, ['nsb:warm'], [1000]);
    await respCommand(own.host, own.port, ['SCRIPT', 'FLUSH']);
    const before = await commandStats(own.host, own.port);
    const out = await store
      .batch()
      .eval(incrWithTtl, ['nsb:a'], [1000])
      .get('nsb:none')
      .eval(incrWithTtl, ['nsb:b'], [1000])
      .exec();
    expect(out).toEqual([1, null, 1]);
    const delta = diffCommandStats(before, await commandStats(own.host, own.port));
    expect([delta.get('evalsha'), delta.get('eval'), delta.get('get')]).toEqual([2, 2, 1]);
  });

  it('keeps batch order for a script not loaded yet (EVAL in place, no retry)', async () => {
    const store = ownStore();
    await respCommand(own.host, own.port, ['SCRIPT', 'FLUSH']);
    const before = await commandStats(own.host, own.port);
    const out = await store.batch().eval(incrWithTtl, ['ord:a'], [1000]).get('ord:a').exec();
    expect(out).toEqual([1, '1']);
    const delta = diffCommandStats(before, await commandStats(own.host, own.port));
    expect([delta.get('evalsha'), delta.get('eval')]).toEqual([undefined, 1]);
  });
});

describe('ioredis adapter: RESP3 clients', () => {
  async function fill(store: KvStore, k: string): Promise<unknown> {
    await store.zadd(`${k}z`, [
      { member: 'a', score: 1.1 },
      { member: 'b', score: 5 },
      { member: 'c', score: Number.POSITIVE_INFINITY },
    ]);
    await store.hset(`${k}h`, { f: 'v', g: 'w' });
    await store.sadd(`${k}s`, ['x', 'y']);
    const r3 = defineScript({
      name: 'resp3-shapes',
      keys: 1,
      lua: "redis.setresp(3); return {redis.call('HGETALL', KEYS[1]), {double=1.5}, true, false, {big_number='12345678901234567890'}}",
      twin: () => null,
    });
    return {
      zscore: await store.zscore(`${k}z`, 'a'),
      zscoreInt: await store.zscore(`${k}z`, 'b'),
      zscoreInf: await store.zscore(`${k}z`, 'c'),
      zincr: await store.zincrBy(`${k}z`, 1, 'b'),
      withScores: await store.zrangeByScoreWithScores(
        `${k}z`,
        Number.NEGATIVE_INFINITY,
        Number.POSITIVE_INFINITY,
      ),
      hgetall: await store.hgetall(`${k}h`),
      empty: await store.hgetall(`${k}none`),
      smembers: (await store.smembers(`${k}s`)).sort(),
      sismember: await store.sismember(`${k}s`, 'x'),
      incrFloat: await store.incrByFloat(`${k}f`, 1.5),
      script: await store.eval(r3, [`${k}h`]),
      driverZscore: await store.driver.command({ argv: ['ZSCORE', `${k}z`, 'b'], keys: [1], readonly: true }),
      batch: await store.batch().zpopmin(`${k}z`, 2).hgetall(`${k}h`).exec(),
      zpop: await store.zpopmin(`${k}z`, 5),
    };
  }

  it('gives the same results on RESP3 clients (legacy and resp3 reply mapping) as on RESP2', async () => {
    const resp2 = track(ioredisAdapter({ url: servers.redis.url }));
    const legacy = new Redis({ ...servers.redis, protocol: 3 });
    const raw = new Redis({ ...servers.redis, protocol: 3, replyMapping: 'resp3' });
    clients.push(legacy, raw);
    const expected = await fill(resp2, `${prefix}r2:`);
    expect(await fill(track(ioredisAdapter(legacy)), `${prefix}r3l:`)).toEqual(expected);
    expect(await fill(track(ioredisAdapter(raw)), `${prefix}r3r:`)).toEqual(expected);
    // What RESP2 gives, so the RESP3 runs above are held to it: doubles as strings in raw
    // replies, booleans as 1/0, maps as flat arrays, big numbers as strings.
    expect(expected).toMatchObject({
      zscore: 1.1,
      zscoreInt: 5,
      zscoreInf: Number.POSITIVE_INFINITY,
      driverZscore: '6',
      withScores: [
        { member: 'a', score: 1.1 },
        { member: 'b', score: 6 },
        { member: 'c', score: Number.POSITIVE_INFINITY },
      ],
      hgetall: { f: 'v', g: 'w' },
      script: [expect.any(Array), '1.5', 1, 0, '12345678901234567890'],
      batch: [
        [
          { member: 'a', score: 1.1 },
          { member: 'b', score: 6 },
        ],
        { f: 'v', g: 'w' },
      ],
      zpop: [{ member: 'c', score: Number.POSITIVE_INFINITY }],
    });
    expect(((expected as { script: unknown[] }).script[0] as string[]).length).toBe(4);
  });

  it('leaves a user-passed client open on close', async () => {
    const client = new Redis({ ...servers.redis });
    clients.push(client);
    const store = ioredisAdapter(client);
    await store.ping();
    await store.close();
    expect(await client.call('PING')).toBe('PONG');
    await expect(store.get('x')).rejects.toMatchObject({ code: 'E_CLOSED' });
  });
});

describe('ioredis adapter: failures', () => {
  it('gives E_CONNECTION quickly for an unreachable Redis, with no unhandled rejection', {
    timeout: 5000,
  }, async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const port = await findFreePort();
      const store = track(ioredisAdapter({ host: '127.0.0.1', port }));
      await expect(store.get('x')).rejects.toMatchObject({ name: 'KvError', code: 'E_CONNECTION' });
      await expect(store.batch().get('x').set('y', '1').execSettled()).resolves.toMatchObject([
        { ok: false, error: { code: 'E_CONNECTION' } },
        { ok: false, error: { code: 'E_CONNECTION' } },
      ]);
      await store.close();
      await expect(store.get('x')).rejects.toMatchObject({ code: 'E_CLOSED' });
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
  });

  it('gives E_TIMEOUT when the server does not answer within commandTimeoutMs', async () => {
    const store = ownStore({ commandTimeoutMs: 100 });
    await store.ping();
    // Writes paused far longer than the deadline, and unpaused once the call failed: no race with
    // the clock (a WRITE pause lets CLIENT UNPAUSE through; an ALL pause would hold it too).
    await respCommand(own.host, own.port, ['CLIENT', 'PAUSE', '60000', 'WRITE']);
    try {
      await expect(store.set('t', 'x')).rejects.toMatchObject({ code: 'E_TIMEOUT' });
    } finally {
      await respCommand(own.host, own.port, ['CLIENT', 'UNPAUSE']);
    }
    expect(await store.set('t2', 'y')).toBe(true);
    expect(await store.get('t2')).toBe('y');
  });

  it('closes a connection that went silent (socketTimeoutMs) and answers over a new one', async () => {
    const proxy = await startFaultProxy({ target: { host: own.host, port: own.port } });
    try {
      const store = track(
        ioredisAdapter({
          host: proxy.host,
          port: proxy.port,
          socketTimeoutMs: 300,
          commandTimeoutMs: 10_000,
        }),
      );
      await store.set('silent', '1');
      expect(proxy.stallOpen()).toBe(1);
      // Without the socket timeout this call would wait for commandTimeoutMs on the dead
      // connection, and every later one too: ioredis never reconnects on its own.
      const t0 = performance.now();
      expect(await store.get('silent')).toBe('1');
      const ms = performance.now() - t0;
      expect(ms).toBeLessThan(5_000);
      expect(proxy.accepted).toBe(2);
      expect(proxy.stalled).toBe(0);
    } finally {
      await proxy.stop();
    }
  });

  it('closes over a connection that went silent with a command in flight', async () => {
    const proxy = await startFaultProxy({ target: { host: own.host, port: own.port } });
    try {
      const store = ioredisAdapter({ host: proxy.host, port: proxy.port, socketTimeoutMs: 300 });
      await store.set('silent-close', '1');
      expect(proxy.stallOpen()).toBe(1);
      const pending = store.get('silent-close').catch((error: unknown) => error);
      // Closing waits for the call in flight; the silent-connection watch ends it.
      await store.close();
      expect(await pending).toMatchObject({ name: 'KvError' });
    } finally {
      await proxy.stop();
    }
  });

  it('maps server errors through fromReplyError', async () => {
    const store = ownStore();
    await store.set('wt', 'x');
    await expect(store.lpush('wt', 'y')).rejects.toMatchObject({ code: 'E_WRONG_TYPE' });
    await expect(store.incrBy('wt', 1)).rejects.toMatchObject({ code: 'E_NOT_A_NUMBER' });
  });

  it('gives E_CLOSED after close and quits the client it created', async () => {
    const store = ownStore();
    await store.ping();
    await store.close();
    await expect(store.get('x')).rejects.toMatchObject({ code: 'E_CLOSED' });
    await expect(store.eval(incrWithTtl, ['x'], [1])).rejects.toMatchObject({ code: 'E_CLOSED' });
    await expect(store.batch().get('x').exec()).rejects.toMatchObject({ code: 'E_CLOSED' });
    await expect(store.publish('c', 'm')).rejects.toMatchObject({ code: 'E_CLOSED' });
  });
});

describe('ioredis adapter: pub/sub', () => {
  function clientCount(kind: string): Promise<number> {
    return respCommand(own.host, own.port, ['CLIENT', 'LIST', 'TYPE', kind]).then(
      (list) =>
        String(list)
          .split('\n')
          .filter((l) => l.trim().length > 0).length,
    );
  }

  it('delivers messages, counts receivers and releases the connection with the last subscription', async () => {
    const store = ownStore();
    const got: string[] = [];
    const a = await store.subscribe('ch1', (m, c) => got.push(`a:${c}:${m}`));
    const b = await store.subscribe(['ch1', 'ch2'], (m, c) => got.push(`b:${c}:${m}`));
    expect(await clientCount('pubsub')).toBe(1);
    expect(await store.publish('ch1', 'one')).toBe(1);
    expect(await store.publish('ch2', 'two')).toBe(1);
    await until(() => got.length === 3);
    expect(got.sort()).toEqual(['a:ch1:one', 'b:ch1:one', 'b:ch2:two']);
    await a.unsubscribe();
    expect(await store.publish('ch1', 'three')).toBe(1);
    await b.unsubscribe();
    expect(await store.publish('ch1', 'four')).toBe(0);
    expect(await clientCount('pubsub')).toBe(0);
  });

  it('calls resubscribed after the subscriber connection is killed, and receives again', async () => {
    const store = ownStore();
    const got: string[] = [];
    let resubscribed = 0;
    const sub = await store.driver.subscribe?.(['rs'], (m) => got.push(m), {
      resubscribed: () => {
        resubscribed++;
      },
    });
    await respCommand(own.host, own.port, ['CLIENT', 'KILL', 'TYPE', 'pubsub']);
    await until(() => resubscribed === 1);
    expect(await store.publish('rs', 'after')).toBe(1);
    await until(() => got.length === 1);
    expect(got).toEqual(['after']);
    await sub?.unsubscribe();
  });

  it('reconnects a silent subscriber connection (heartbeat PING), calls resubscribed and receives again', async () => {
    const proxy = await startFaultProxy({ target: { host: own.host, port: own.port } });
    try {
      const store = track(ioredisAdapter({ host: proxy.host, port: proxy.port, socketTimeoutMs: 300 }));
      const got: string[] = [];
      let resubscribed = 0;
      const sub = await store.driver.subscribe?.(['silent-sub'], (m) => got.push(m), {
        resubscribed: () => {
          resubscribed++;
        },
      });
      // The command connection and the subscriber. The subscriber has no command in flight:
      // only the heartbeat notices its stall.
      expect(proxy.stallOpen()).toBe(2);
      const t0 = performance.now();
      await until(() => resubscribed === 1);
      const ms = performance.now() - t0;
      console.log(`[ioredis] silent subscriber back after ${Math.round(ms)} ms (deadline 300 ms)`);
      // PUBLISH goes out on the stalled command connection, which socketTimeoutMs replaces.
      expect(await store.publish('silent-sub', 'after')).toBe(1);
      await until(() => got.length === 1);
      expect(got).toEqual(['after']);
      expect(proxy.stalled).toBe(0);
      await sub?.unsubscribe();
    } finally {
      await proxy.stop();
    }
  });
});

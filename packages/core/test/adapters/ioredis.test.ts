import { type RedisServer, startFaultProxy, startRedis } from '@raptorflow/testkit';
import { Redis } from 'ioredis';
import * as vitest from 'vitest';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ioredisAdapter } from '../../src/adapters/ioredis.js';
import { defineScript, isKvError, type KvStore } from '../../src/index.js';
import { runConformance, until } from '../../src/testing/index.js';
import { incrWithTtl, runRedisAdapterSuite } from './redis-adapter-suite.js';

const servers = inject('raptorflow');
const stores: KvStore[] = [];
const clients: Redis[] = [];
let own: RedisServer;

function track(store: KvStore): KvStore {
  stores.push(store);
  return store;
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

runConformance({ name: 'ioredis', create: () => ioredisAdapter({ url: servers.redis.url }), runner: vitest });

runRedisAdapterSuite({ name: 'ioredis', own: () => own, open: (options) => track(ioredisAdapter(options)) });

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
  it('closes a connection that went silent (socketTimeoutMs) and answers over a new one', async () => {
    const proxy = await startFaultProxy({ target: { host: own.host, port: own.port } });
    try {
      const store = track(
        ioredisAdapter({
          host: proxy.host,
          port: proxy.port,
          socketTimeoutMs: 300,
          // Longer than the test may run: only the socket timeout can answer this call.
          commandTimeoutMs: 600_000,
        }),
      );
      await store.set('silent', '1');
      expect(proxy.stallOpen()).toBe(1);
      // Without the socket timeout this call would wait on the dead connection past the test's
      // timeout, and every later one too: ioredis never reconnects on its own.
      expect(await store.get('silent')).toBe('1');
      expect(proxy.accepted).toBe(2);
      expect(proxy.stalled).toBe(0);
    } finally {
      await proxy.stop();
    }
  });
});

describe('ioredis adapter: pub/sub', () => {
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

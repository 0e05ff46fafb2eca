import { type RedisServer, respCommand, startFaultProxy, startRedis } from '@raptorflow/testkit';
import { createClient, createCluster } from 'redis';
import * as vitest from 'vitest';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { nodeRedisAdapter } from '../../src/adapters/node-redis.js';
import { defineScript, isKvError, type KvStore } from '../../src/index.js';
import { runConformance, until } from '../../src/testing/index.js';
import { incrWithTtl, runRedisAdapterSuite } from './redis-adapter-suite.js';

const servers = inject('raptorflow');
const stores: KvStore[] = [];
const userClients: Array<{ destroy(): void }> = [];
let own: RedisServer;

function track(store: KvStore): KvStore {
  stores.push(store);
  return store;
}

function ownStore(options: Record<string, unknown> = {}): KvStore {
  return track(nodeRedisAdapter({ host: own.host, port: own.port, ...options }));
}

beforeAll(async () => {
  // Counting, pausing and killing connections need a server no other test file uses.
  own = await startRedis();
});

afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  for (const c of userClients) {
    try {
      c.destroy();
    } catch {
      // closed already
    }
  }
  await own?.stop();
});

const prefix = `node-redis-test:${process.pid}:`;

runConformance({
  name: 'node-redis',
  create: () => nodeRedisAdapter({ url: servers.redis.url }),
  runner: vitest,
});
runConformance({
  name: 'node-redis cluster',
  create: () => nodeRedisAdapter({ cluster: { nodes: servers.cluster.nodes.map((n) => ({ ...n })) } }),
  runner: vitest,
});

runRedisAdapterSuite({
  name: 'node-redis',
  own: () => own,
  open: (options) => track(nodeRedisAdapter(options)),
});

describe('node-redis adapter: commands', () => {
  it('runs commands, batches, scans and scripts with RESP2 replies', async () => {
    const store = track(nodeRedisAdapter({ url: servers.redis.url }));
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
      .eval(incrWithTtl, [`${k}s`], [600_000])
      .exec();
    expect(results).toEqual(['1', 5, 1]);
    const keys: string[] = [];
    for await (const key of store.scan({ match: `${k}*`, count: 2 })) keys.push(key);
    expect(keys.sort()).toEqual([`${k}a`, `${k}h`, `${k}n`, `${k}s`, `${k}z`]);
    expect(await store.time()).toBeGreaterThan(1.6e12);
    expect(await store.del([`${k}a`, `${k}h`, `${k}n`, `${k}s`, `${k}z`])).toBe(5);
  });

  it('reports capabilities and its name', () => {
    const store = track(nodeRedisAdapter({ url: servers.redis.url }));
    expect(store.capabilities).toEqual({
      pubsub: true,
      cluster: false,
      ttlGranularityMs: 1,
      maxValueBytes: 512 * 1024 * 1024,
      persistent: true,
      shared: true,
      blocking: false,
    });
    expect(store.name).toBe('node-redis');
  });

  it('rejects bad options with E_INVALID_OPTIONS naming the field', () => {
    expect(() => nodeRedisAdapter({ port: 70000 })).toThrow(/nodeRedisAdapter: port: /);
    expect(() => nodeRedisAdapter({ url: 'http://x' })).toThrow(/nodeRedisAdapter: url: /);
    expect(() => nodeRedisAdapter({ commandTimeoutMs: -1 })).toThrow(/nodeRedisAdapter: commandTimeoutMs: /);
    expect(() => nodeRedisAdapter({ autoPipelining: true } as never)).toThrow(
      'nodeRedisAdapter: autoPipelining: is not an option',
    );
    expect(() => nodeRedisAdapter({ url: 'redis://127.0.0.1/cache' })).toThrow(/nodeRedisAdapter: url: /);
    try {
      nodeRedisAdapter({ url: servers.redis.url, host: 'x' });
      expect.unreachable();
    } catch (error) {
      expect(isKvError(error, 'E_INVALID_OPTIONS')).toBe(true);
    }
  });

  it('refuses a RESP3 client or one with a typeMapping', () => {
    const resp3 = createClient({ url: servers.redis.url, RESP: 3 });
    const buffers = createClient({
      url: servers.redis.url,
      commandOptions: { typeMapping: { 36: Buffer } },
    } as never);
    expect(() => nodeRedisAdapter(resp3 as never)).toThrow(
      /nodeRedisAdapter: client: RESP3 is not supported/,
    );
    expect(() => nodeRedisAdapter(buffers as never)).toThrow(
      /nodeRedisAdapter: client: typeMapping is not supported/,
    );
  });

  it('accepts a client you pass, connects it if needed, and leaves it open on close', async () => {
    const client = createClient({ url: servers.redis.url });
    userClients.push(client);
    const store = nodeRedisAdapter(client as never);
    expect(await store.set(`${prefix}user`, 'u')).toBe(true);
    expect(await store.get(`${prefix}user`)).toBe('u');
    await store.close();
    expect(await client.sendCommand(['GET', `${prefix}user`])).toBe('u');
    await expect(store.get('x')).rejects.toMatchObject({ code: 'E_CLOSED' });
    await client.sendCommand(['DEL', `${prefix}user`]);
  });

  it('accepts a Cluster you pass', async () => {
    const cluster = createCluster({
      rootNodes: servers.cluster.nodes.map((n) => ({ socket: { host: n.host, port: n.port } })),
    });
    userClients.push(cluster);
    await cluster.connect();
    const store = nodeRedisAdapter(cluster as never);
    expect(store.capabilities.cluster).toBe(true);
    const keys = [`${prefix}c:a`, `${prefix}c:b`, `${prefix}c:c`, `${prefix}c:d`];
    await store.mset(Object.fromEntries(keys.map((k) => [k, k])));
    expect(await store.mget(keys)).toEqual(keys);
    expect(await store.del(keys)).toBe(4);
    await store.close();
    expect(cluster.isOpen).toBe(true);
  });
});

describe('node-redis adapter: failures', () => {
  it('recovers when Redis comes back after a failed call', async () => {
    const proxy = await startFaultProxy({ target: { host: own.host, port: own.port } });
    try {
      const store = track(nodeRedisAdapter({ host: proxy.host, port: proxy.port }));
      await store.set('back', '1');
      await proxy.refuse();
      proxy.dropAll();
      await expect(store.get('back')).rejects.toMatchObject({ code: 'E_CONNECTION' });
      await proxy.passThrough();
      await until(async () => (await store.get('back').catch(() => undefined)) === '1');
    } finally {
      await proxy.stop();
    }
  });

  it('replaces a connection that went silent (socketTimeoutMs) and answers over a new one', async () => {
    const proxy = await startFaultProxy({ target: { host: own.host, port: own.port } });
    try {
      const store = track(
        nodeRedisAdapter({
          host: proxy.host,
          port: proxy.port,
          socketTimeoutMs: 300,
          commandTimeoutMs: 10_000,
        }),
      );
      await store.set('silent', '1');
      expect(proxy.stallOpen()).toBe(1);
      // The call in flight on the dead connection fails (E_CONNECTION) when it is replaced,
      // long before its commandTimeoutMs; the next one goes over the new connection.
      await expect(store.get('silent')).rejects.toMatchObject({ code: 'E_CONNECTION' });
      expect(await store.get('silent')).toBe('1');
      expect(proxy.accepted).toBe(2);
      expect(proxy.stalled).toBe(0);
    } finally {
      await proxy.stop();
    }
  });

  it('refuses a database Redis does not have with E_INVALID_OPTIONS, and writes nothing', async () => {
    const store = ownStore({ db: 99_999 });
    await expect(store.set('db:x', '1')).rejects.toMatchObject({
      code: 'E_INVALID_OPTIONS',
      message: expect.stringMatching(/nodeRedisAdapter: db: Redis refused database 99999/),
    });
    await expect(store.get('db:x')).rejects.toMatchObject({ code: 'E_INVALID_OPTIONS' });
    expect(await respCommand(own.host, own.port, ['EXISTS', 'db:x'])).toBe(0);
  });

  it('uses the database of its url', async () => {
    const store = track(nodeRedisAdapter({ url: `redis://${own.host}:${own.port}/3` }));
    await store.set('db3:x', 'three');
    expect(await respCommand(own.host, own.port, ['EXISTS', 'db3:x'])).toBe(0);
    expect(await store.get('db3:x')).toBe('three');
    await store.del('db3:x');
  });
});

describe('node-redis adapter: pub/sub', () => {
  it('replaces a silent subscriber connection (heartbeat PING), calls resubscribed and receives again', async () => {
    const proxy = await startFaultProxy({ target: { host: own.host, port: own.port } });
    try {
      const store = track(nodeRedisAdapter({ host: proxy.host, port: proxy.port, socketTimeoutMs: 300 }));
      const got: string[] = [];
      let resubscribed = 0;
      const sub = await store.driver.subscribe?.(['silent-sub'], (m) => got.push(m), {
        resubscribed: () => {
          resubscribed++;
        },
      });
      // The command connection and the subscriber.
      expect(proxy.stallOpen()).toBe(2);
      await until(() => resubscribed === 1);
      // PUBLISH goes out on the stalled command connection, which the watchdog replaces.
      await until(async () => (await store.publish('silent-sub', 'after').catch(() => -1)) === 1);
      await until(() => got.length >= 1);
      expect(got[0]).toBe('after');
      expect(proxy.stalled).toBe(0);
      await sub?.unsubscribe();
    } finally {
      await proxy.stop();
    }
  });
});

describe('node-redis adapter: Cluster', () => {
  const cluster = () =>
    track(nodeRedisAdapter({ cluster: { nodes: servers.cluster.nodes.map((n) => ({ ...n })) } }));

  it('refuses a script whose keys span slots with E_CROSSSLOT, and runs one with a hash tag', async () => {
    const store = cluster();
    const touch2 = defineScript({
      name: 'touch2',
      keys: 2,
      lua: "redis.call('SET', KEYS[1], ARGV[1]) redis.call('SET', KEYS[2], ARGV[1]) return 2",
      twin: () => 2,
    });
    await expect(store.eval(touch2, [`${prefix}x`, `${prefix}y`], ['v'])).rejects.toMatchObject({
      code: 'E_CROSSSLOT',
    });
    const tagged = `{${prefix}t}:a`;
    expect(await store.eval(incrWithTtl, [tagged], [60_000])).toBe(1);
    expect(await store.eval(incrWithTtl, [tagged], [60_000])).toBe(2);
    await store.del(tagged);
  });

  it('splits a cross-slot batch by node and keeps every reply in its place', async () => {
    const store = cluster();
    const keys = Array.from({ length: 12 }, (_, i) => `${prefix}b${i}`);
    const batch = store.batch();
    for (const k of keys) batch.set(k, k);
    batch.mget(keys).del(keys);
    const out: unknown[] = await batch.exec();
    expect(out.slice(0, 12)).toEqual(keys.map(() => true));
    expect(out[12]).toEqual(keys);
    expect(out[13]).toBe(12);
  });

  it('gives E_TIMEOUT when a node does not answer within commandTimeoutMs, then answers again', async () => {
    const store = track(
      nodeRedisAdapter({
        cluster: { nodes: servers.cluster.nodes.map((n) => ({ ...n })) },
        commandTimeoutMs: 150,
      }),
    );
    const key = `${prefix}deadline`;
    await store.set(key, '1');
    // Writes wait on every master until unpaused, far longer than the deadline.
    const nodes = servers.cluster.nodes;
    await Promise.all(nodes.map((n) => respCommand(n.host, n.port, ['CLIENT', 'PAUSE', '60000', 'WRITE'])));
    try {
      // Later commands on that node's connection wait behind the paused write: none is sent here.
      await expect(store.set(key, '2')).rejects.toMatchObject({ code: 'E_TIMEOUT' });
    } finally {
      await Promise.all(nodes.map((n) => respCommand(n.host, n.port, ['CLIENT', 'UNPAUSE'])));
    }
    // The timed-out write ran once the node woke (its effect was unknown, not undone).
    await until(async () => (await store.get(key)) === '2');
    await store.del(key);
  });

  it('publishes and subscribes through the master of slot 0 (receiver counts agree)', async () => {
    const store = cluster();
    const got: string[] = [];
    const sub = await store.subscribe('nr-cluster-ch', (m) => got.push(m));
    expect(await store.publish('nr-cluster-ch', 'hello')).toBe(1);
    await until(() => got.length === 1);
    expect(got).toEqual(['hello']);
    await sub.unsubscribe();
    expect(await store.publish('nr-cluster-ch', 'gone')).toBe(0);
  });
});

import {
  commandStats,
  diffCommandStats,
  findFreePort,
  type RedisServer,
  respCommand,
  startFaultProxy,
  startRedis,
} from '@raptorflow/testkit';
import { createClient, createCluster } from 'redis';
import * as vitest from 'vitest';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { nodeRedisAdapter } from '../../src/adapters/node-redis.js';
import { defineScript, isKvError, type KvStore } from '../../src/index.js';
import { runConformance, until } from '../../src/testing/index.js';

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

const incrWithTtl = defineScript({
  name: 'incr-with-ttl',
  keys: 1,
  lua: "local c = redis.call('INCR', KEYS[1]) if c == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end return c",
  twin: () => 0,
});

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

describe('node-redis adapter: round trips', () => {
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

describe('node-redis adapter: failures', () => {
  it('gives E_CONNECTION quickly for an unreachable Redis, with no unhandled rejection', {
    timeout: 5000,
  }, async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const port = await findFreePort();
      const store = track(nodeRedisAdapter({ host: '127.0.0.1', port }));
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

  it('closes over a connection that went silent with a command in flight', async () => {
    const proxy = await startFaultProxy({ target: { host: own.host, port: own.port } });
    try {
      const store = nodeRedisAdapter({ host: proxy.host, port: proxy.port, socketTimeoutMs: 300 });
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

  it('gives E_CLOSED after close and closes the client it created', async () => {
    const store = ownStore();
    await store.ping();
    await store.close();
    await expect(store.get('x')).rejects.toMatchObject({ code: 'E_CLOSED' });
    await expect(store.eval(incrWithTtl, ['x'], [1])).rejects.toMatchObject({ code: 'E_CLOSED' });
    await expect(store.batch().get('x').exec()).rejects.toMatchObject({ code: 'E_CLOSED' });
    await expect(store.publish('c', 'm')).rejects.toMatchObject({ code: 'E_CLOSED' });
  });
});

describe('node-redis adapter: pub/sub', () => {
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
    await until(async () => (await clientCount('pubsub')) === 0);
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

import {
  commandStats,
  diffCommandStats,
  findFreePort,
  type RedisCluster,
  respCommand,
  startCluster,
} from '@raptorflow/testkit';
import { Cluster } from 'ioredis';
import * as vitest from 'vitest';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { slotOf } from '../../src/adapters/ioredis/cluster.js';
import { ioredisAdapter } from '../../src/adapters/ioredis.js';
import { defineScript, type KvStore } from '../../src/index.js';
import { runConformance, until } from '../../src/testing/index.js';

const servers = inject('raptorflow');
const stores: KvStore[] = [];
const prefix = `ioredis-cluster-test:${process.pid}:`;
let own: RedisCluster;

function track(store: KvStore): KvStore {
  stores.push(store);
  return store;
}

beforeAll(async () => {
  // Command counts need a Cluster no other test file sends commands to.
  own = await startCluster();
});

afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await own?.stop();
});

async function clusterStats(): Promise<Map<string, number>> {
  const total = new Map<string, number>();
  for (const n of own.nodes) {
    for (const [name, calls] of await commandStats(n.host, n.port)) {
      total.set(name, (total.get(name) ?? 0) + calls);
    }
  }
  return total;
}

/** Keys that land in `count` different slots, two keys per slot (hash tags). */
function keysInSlots(count: number): string[] {
  const keys: string[] = [];
  for (let i = 0; i < count; i++) keys.push(`{${prefix}t${i}}:a`, `{${prefix}t${i}}:b`);
  return keys;
}

const touch2 = defineScript({
  name: 'touch2',
  keys: 2,
  lua: "redis.call('SET', KEYS[1], ARGV[1]) redis.call('SET', KEYS[2], ARGV[1]) return 2",
  twin: () => 2,
});

runConformance({
  name: 'ioredis cluster',
  create: () => ioredisAdapter({ cluster: { nodes: servers.cluster.nodes } }),
  runner: vitest,
});

describe('ioredis adapter on a Cluster', () => {
  it('reports the cluster capability', () => {
    const store = track(ioredisAdapter({ cluster: { nodes: servers.cluster.nodes } }));
    expect(store.capabilities.cluster).toBe(true);
  });

  it('splits multi-key commands by slot: one command per slot group, results in key order', async () => {
    const store = track(ioredisAdapter({ cluster: { nodes: own.nodes.map((n) => ({ ...n })) } }));
    await store.ping();
    const keys = keysInSlots(3);
    const slots = new Set(keys.map(slotOf));
    expect(slots.size).toBe(3);
    // Interleave the slot groups so an order-preserving merge is really needed.
    const order = [keys[0], keys[2], keys[4], keys[1], keys[3], keys[5]] as string[];

    let before = await clusterStats();
    await store.mset(Object.fromEntries(order.map((k, i) => [k, `v${i}`])));
    let delta = diffCommandStats(before, await clusterStats());
    expect(delta.get('mset')).toBe(3);

    before = await clusterStats();
    const missing = `{${prefix}t0}:missing`;
    expect(await store.mget([...order, missing])).toEqual(['v0', 'v1', 'v2', 'v3', 'v4', 'v5', null]);
    delta = diffCommandStats(before, await clusterStats());
    expect(delta.get('mget')).toBe(3);

    before = await clusterStats();
    expect(await store.exists([...order, missing, keys[0] as string])).toBe(7);
    expect(await store.del([...order, missing])).toBe(6);
    delta = diffCommandStats(before, await clusterStats());
    expect([delta.get('exists'), delta.get('del')]).toEqual([3, 3]);

    // Keys of one slot need no split: one command.
    before = await clusterStats();
    expect(await store.mget([keys[0] as string, keys[1] as string])).toEqual([null, null]);
    delta = diffCommandStats(before, await clusterStats());
    expect(delta.get('mget')).toBe(1);
  });

  it('keeps batch results in entry order across nodes, with cross-slot and script entries', async () => {
    const store = track(ioredisAdapter({ cluster: { nodes: servers.cluster.nodes } }));
    const keys = keysInSlots(4);
    const out = await store
      .batch()
      .set(keys[0] as string, 'a')
      .set(keys[2] as string, 'b')
      .eval(touch2, [keys[4] as string, keys[5] as string], ['c'])
      .mget([keys[0] as string, keys[2] as string, keys[4] as string, keys[5] as string])
      .get(keys[6] as string)
      .incrBy(keys[7] as string, 3)
      .exec();
    expect(out).toEqual([true, true, 2, ['a', 'b', 'c', 'c'], null, 3]);
    expect(await store.del(keys)).toBe(5);
  });

  it('scans every master', async () => {
    const store = track(ioredisAdapter({ cluster: { nodes: servers.cluster.nodes } }));
    const keys = Array.from({ length: 30 }, (_, i) => `${prefix}scan:${i}`);
    await store.mset(Object.fromEntries(keys.map((k) => [k, 'x'])));
    const seen: string[] = [];
    for await (const k of store.scan({ match: `${prefix}scan:*`, count: 5 })) seen.push(k);
    expect(seen.sort()).toEqual([...keys].sort());
    expect(await store.del(keys)).toBe(30);
  });

  it('refuses a script whose keys span slots with E_CROSSSLOT, and runs one with a hash tag', async () => {
    const store = track(ioredisAdapter({ cluster: { nodes: servers.cluster.nodes } }));
    const [a, b] = [`${prefix}x`, `${prefix}y`];
    expect(slotOf(a)).not.toBe(slotOf(b));
    await expect(store.eval(touch2, [a, b], ['v'])).rejects.toMatchObject({ code: 'E_CROSSSLOT' });
    const tagged = [`{${prefix}s}:1`, `{${prefix}s}:2`];
    expect(await store.eval(touch2, tagged, ['v'])).toBe(2);
    expect(await store.del(tagged)).toBe(2);
  });

  it('sends EVAL first, then EVALSHA with EVAL fallback on NOSCRIPT, on the node that owns the key', async () => {
    const store = track(ioredisAdapter({ cluster: { nodes: own.nodes.map((n) => ({ ...n })) } }));
    await store.ping();
    for (const n of own.nodes) await respCommand(n.host, n.port, ['SCRIPT', 'FLUSH']);
    const tagged = [`{${prefix}ns}:1`, `{${prefix}ns}:2`];
    let before = await clusterStats();
    expect(await store.eval(touch2, tagged, ['v'])).toBe(2);
    let delta = diffCommandStats(before, await clusterStats());
    expect([delta.get('evalsha'), delta.get('eval')]).toEqual([undefined, 1]);
    for (const n of own.nodes) await respCommand(n.host, n.port, ['SCRIPT', 'FLUSH']);
    before = await clusterStats();
    expect(await store.eval(touch2, tagged, ['v'])).toBe(2);
    delta = diffCommandStats(before, await clusterStats());
    expect([delta.get('evalsha'), delta.get('eval')]).toEqual([1, 1]);
    before = await clusterStats();
    expect(await store.eval(touch2, tagged, ['v'])).toBe(2);
    delta = diffCommandStats(before, await clusterStats());
    expect([delta.get('evalsha'), delta.get('eval')]).toEqual([1, undefined]);
  });

  it('delivers pub/sub messages and releases the subscriber', async () => {
    const store = track(ioredisAdapter({ cluster: { nodes: servers.cluster.nodes } }));
    const got: string[] = [];
    const channel = `${prefix}ch`;
    const sub = await store.subscribe(channel, (m) => got.push(m));
    expect(await store.publish(channel, 'hello')).toBeGreaterThanOrEqual(0);
    await until(() => got.length > 0);
    expect(got).toEqual(['hello']);
    await sub.unsubscribe();
  });

  it('calls resubscribed after the subscriber connection is killed, and receives again', async () => {
    const store = track(ioredisAdapter({ cluster: { nodes: own.nodes.map((n) => ({ ...n })) } }));
    const got: string[] = [];
    let resubscribed = 0;
    const sub = await store.driver.subscribe?.(['rs'], (m) => got.push(m), {
      resubscribed: () => {
        resubscribed++;
      },
    });
    for (const n of own.nodes) await respCommand(n.host, n.port, ['CLIENT', 'KILL', 'TYPE', 'pubsub']);
    await until(() => resubscribed > 0);
    expect(resubscribed).toBe(1);
    expect(await store.publish('rs', 'after')).toBe(1);
    await until(() => got.length > 0);
    expect(got).toEqual(['after']);
    await sub?.unsubscribe();
  });

  it('gives E_CONNECTION for an unreachable Cluster instead of queueing forever', {
    timeout: 5000,
  }, async () => {
    const port = await findFreePort();
    const store = track(ioredisAdapter({ cluster: { nodes: [{ host: '127.0.0.1', port }] } }));
    await expect(store.get('x')).rejects.toMatchObject({ code: 'E_CONNECTION' });
    await expect(store.batch().get('x').get('y').execSettled()).resolves.toMatchObject([
      { ok: false, error: { code: 'E_CONNECTION' } },
      { ok: false, error: { code: 'E_CONNECTION' } },
    ]);
    await store.close();
  });

  it('normalises replies of a user-passed RESP3 Cluster and leaves it open on close', async () => {
    const cluster = new Cluster(servers.cluster.nodes, { redisOptions: { protocol: 3 } });
    try {
      const store = ioredisAdapter(cluster);
      const k = `{${prefix}r3}:z`;
      await store.zadd(k, [
        { member: 'a', score: 1.5 },
        { member: 'b', score: 2 },
      ]);
      expect(await store.zpopmin(k, 2)).toEqual([
        { member: 'a', score: 1.5 },
        { member: 'b', score: 2 },
      ]);
      await store.close();
      expect(await cluster.call('PING')).toBe('PONG');
    } finally {
      cluster.disconnect();
    }
  });
});

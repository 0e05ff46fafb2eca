import { Cluster, Redis } from 'ioredis5';
import * as vitest from 'vitest';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { ioredisAdapter } from '../src/adapters/ioredis.js';
import { defineScript } from '../src/index.js';
import { randomPrefix, runConformance } from '../src/testing/index.js';

// ioredis 5 is still what most peers (bentocache, BullMQ) install: a client of it must work too.
const servers = inject('raptorflow');
const clients: Array<{ disconnect(): void }> = [];

afterAll(() => {
  for (const c of clients) c.disconnect();
});

runConformance({
  name: 'ioredis 5 (user-passed client)',
  create: () => {
    const client = new Redis(servers.redis.url);
    clients.push(client);
    return ioredisAdapter(client);
  },
  runner: vitest,
});

describe('ioredis 5 Cluster (user-passed client)', () => {
  it('splits by slot, scans every master, runs scripts and pops scored members', async () => {
    const cluster = new Cluster(servers.cluster.nodes);
    clients.push(cluster);
    const store = ioredisAdapter(cluster);
    expect(store.capabilities.cluster).toBe(true);
    const p = randomPrefix();
    const keys = [`{${p}a}:1`, `{${p}b}:1`, `{${p}c}:1`];
    await store.mset({ [keys[0] as string]: 'x', [keys[1] as string]: 'y', [keys[2] as string]: 'z' });
    expect(await store.mget(keys)).toEqual(['x', 'y', 'z']);
    const seen: string[] = [];
    for await (const k of store.scan({ match: `{${p}*` })) seen.push(k);
    expect(seen.sort()).toEqual(keys);
    const script = defineScript({
      name: 'v5',
      keys: 1,
      lua: "return redis.call('GET', KEYS[1])",
      twin: () => null,
    });
    expect(await store.eval(script, [keys[0] as string])).toBe('x');
    await store.zadd(`{${p}a}:z`, [
      { member: 'm', score: 1.5 },
      { member: 'n', score: 2 },
    ]);
    expect(await store.zpopmin(`{${p}a}:z`, 2)).toEqual([
      { member: 'm', score: 1.5 },
      { member: 'n', score: 2 },
    ]);
    expect(await store.del(keys)).toBe(3);
    await store.close();
    expect(await cluster.call('PING')).toBe('PONG');
  });
});

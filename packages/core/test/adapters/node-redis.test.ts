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

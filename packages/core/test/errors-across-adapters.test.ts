import { findFreePort } from '@raptorflow/testkit';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { ioredisAdapter } from '../src/adapters/ioredis.js';
import { nodeRedisAdapter } from '../src/adapters/node-redis.js';
import { upstashAdapter } from '../src/adapters/upstash.js';
import { type KvErrorCode, type KvStore, memoryAdapter } from '../src/index.js';

// The promise of DESIGN 3.5: the same failure gives the same KvError code on every adapter.
// One table per failure, one row per adapter, so a new adapter that maps a failure differently
// fails here by name.

async function codeOf(run: () => unknown): Promise<KvErrorCode | 'no error'> {
  try {
    await run();
    return 'no error';
  } catch (error) {
    return (error as { code: KvErrorCode }).code;
  }
}

const opened: KvStore[] = [];
const track = (store: KvStore): KvStore => {
  opened.push(store);
  return store;
};
afterAll(async () => {
  await Promise.all(opened.map((s) => s.close()));
});

describe('a bad option is E_INVALID_OPTIONS on every adapter', () => {
  it.each([
    ['memory: maxKeys -1', () => memoryAdapter({ maxKeys: -1 })],
    ['memory: unknown option', () => memoryAdapter({ maxkeys: 10 } as never)],
    ['ioredis: port 0', () => ioredisAdapter({ host: '127.0.0.1', port: 0 })],
    ['ioredis: negative timeout', () => ioredisAdapter({ url: 'redis://127.0.0.1:1', commandTimeoutMs: -5 })],
    ['node-redis: port 0', () => nodeRedisAdapter({ host: '127.0.0.1', port: 0 })],
    [
      'node-redis: negative timeout',
      () => nodeRedisAdapter({ url: 'redis://127.0.0.1:1', commandTimeoutMs: -5 }),
    ],
    ['upstash: not an http URL', () => upstashAdapter({ url: 'ftp://127.0.0.1', token: 't' })],
    ['upstash: empty token', () => upstashAdapter({ url: 'http://127.0.0.1:1', token: '' })],
  ])('%s', async (_label, create) => {
    expect(await codeOf(create)).toBe('E_INVALID_OPTIONS');
  });
});

describe('a wrong-type command is E_WRONG_TYPE on every adapter', () => {
  const servers = inject('raptorflow');
  const stores: Array<[string, () => KvStore]> = [
    ['memory', () => memoryAdapter()],
    ['ioredis', () => ioredisAdapter({ url: servers.redis.url })],
    ['ioredis cluster', () => ioredisAdapter({ cluster: { nodes: servers.cluster.nodes } })],
    ['node-redis', () => nodeRedisAdapter({ url: servers.redis.url })],
    ['node-redis cluster', () => nodeRedisAdapter({ cluster: { nodes: servers.cluster.nodes } })],
    ['upstash', () => upstashAdapter({ url: servers.upstash.url, token: servers.upstash.token })],
  ];

  it.each(stores)('%s', async (name, create) => {
    const store = track(create()).namespace(`errors-across:${name}:${Date.now()}:`);
    await store.hset('h', { f: 'v' });
    expect(await codeOf(() => store.get('h'))).toBe('E_WRONG_TYPE');
    expect(await codeOf(() => store.incrBy('h', 1))).toBe('E_WRONG_TYPE');
    await store.set('s', 'not a number');
    expect(await codeOf(() => store.incrBy('s', 1))).toBe('E_NOT_A_NUMBER');
    expect(await codeOf(() => store.set('s', 'v', { ttl: 0 }))).toBe('E_INVALID_ARGUMENT');
    await store.del(['h', 's']);
  });
});

describe('an unreachable store is E_CONNECTION on every remote adapter', () => {
  // A loopback port nothing listens on: connections are refused at once.
  it.each([
    ['ioredis', (port: number) => ioredisAdapter({ host: '127.0.0.1', port })],
    [
      'ioredis cluster',
      (port: number) => ioredisAdapter({ cluster: { nodes: [{ host: '127.0.0.1', port }] } }),
    ],
    ['node-redis', (port: number) => nodeRedisAdapter({ host: '127.0.0.1', port })],
    [
      'node-redis cluster',
      (port: number) => nodeRedisAdapter({ cluster: { nodes: [{ host: '127.0.0.1', port }] } }),
    ],
    ['upstash', (port: number) => upstashAdapter({ url: `http://127.0.0.1:${port}`, token: 't' })],
  ])('%s', async (_name, create) => {
    const store = track(create(await findFreePort()));
    expect(await codeOf(() => store.get('k'))).toBe('E_CONNECTION');
    expect(await codeOf(() => store.set('k', 'v'))).toBe('E_CONNECTION');
  });
});

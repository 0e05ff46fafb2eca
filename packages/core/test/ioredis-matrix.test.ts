import type { TestServers } from '@raptorflow/testkit';
import { describe, expect, it } from 'vitest';
import { KV_ADAPTERS } from '../src/driver/index.js';
import { findLayer, type KvStore } from '../src/index.js';
import {
  MATRIX_LAYERS,
  type MatrixServers,
  randomPrefix,
  storeMatrix,
  TEST_CONNECTIONS,
} from '../src/testing/index.js';

// The matrix reads the servers without testkit's types; this line stops compiling if they drift.
const _servers: MatrixServers = {} as TestServers;
void _servers;

// Other entries (upstash, layer stacks) are added by their owners; these three must stay first.
const names = ['memory', 'ioredis', 'ioredis cluster'];

describe.each(storeMatrix({ layers: ['l1', 'failover'], optIn: 'all' }))(
  'storeMatrix entry $name',
  (entry) => {
    it('creates a working store whose capabilities match the entry (the registry declares them)', async () => {
      const root = await entry.create();
      if (entry.layer !== undefined) expect(findLayer(root, entry.layer)).toBeDefined();
      else expect(findLayer(root, 'l1') ?? findLayer(root, 'failover')).toBeUndefined();
      const store = root.namespace(randomPrefix());
      expect(store.capabilities).toEqual(entry.capabilities);
      await store.set('k', 'v');
      expect(await store.get('k')).toBe('v');
      expect(await store.del('k')).toBe(1);
    });
  },
);

const opened: KvStore[] = [];
describe('storeMatrix closes what it created (afterAll of the suite that called it)', () => {
  const matrix = storeMatrix();
  it('lists memory, ioredis and ioredis cluster', async () => {
    expect(matrix.map((e) => e.name).slice(0, 3)).toEqual(names);
    expect(new Set(matrix.map((e) => e.name)).size).toBe(matrix.length);
    expect(matrix.slice(0, 3).map((e) => e.capabilities.cluster)).toEqual([false, false, true]);
    for (const entry of matrix) opened.push(await entry.create());
    for (const store of opened) await store.ping();
  });
});

describe('after the suite that created them', () => {
  it('the stores are closed', async () => {
    expect(opened.length).toBeGreaterThanOrEqual(3);
    for (const store of opened) await expect(store.ping()).rejects.toMatchObject({ code: 'E_CLOSED' });
  });
});

describe('storeMatrix options', () => {
  it('only picks entries; dispose closes without autoClose', async () => {
    const matrix = storeMatrix({ only: ['ioredis'], autoClose: false });
    expect(matrix.map((e) => e.name)).toEqual(['ioredis']);
    const store = await (matrix[0] as (typeof matrix)[number]).create();
    await store.ping();
    await matrix.dispose();
    await expect(store.ping()).rejects.toMatchObject({ code: 'E_CLOSED' });
  });
});

describe('storeMatrix is built from the adapter registry', () => {
  const variants = KV_ADAPTERS.flatMap((a) => a.variants.map((v) => v.name));

  it('has every registry variant, in registry order, each server kind with a test connection', () => {
    const matrix = storeMatrix({ autoClose: false, optIn: 'all' });
    expect(matrix.map((e) => e.name)).toEqual(variants);
    expect(matrix.map((e) => e.capabilities)).toEqual(
      KV_ADAPTERS.flatMap((a) => a.variants.map((v) => v.capabilities)),
    );
    const servers = KV_ADAPTERS.flatMap((a) => a.variants.map((v) => v.server));
    for (const kind of servers) expect(TEST_CONNECTIONS).toHaveProperty(kind);
  });

  it('leaves opt-in variants (node-redis) out unless asked, by name, by only, or all', () => {
    const optIn = KV_ADAPTERS.flatMap((a) =>
      a.variants.filter((v) => v.matrix === 'opt-in').map((v) => v.name),
    );
    expect(optIn).toEqual(['node-redis', 'node-redis cluster']);
    const names = (m: ReturnType<typeof storeMatrix>) => m.map((e) => e.name);
    expect(names(storeMatrix({ autoClose: false }))).toEqual(variants.filter((v) => !optIn.includes(v)));
    expect(names(storeMatrix({ autoClose: false, optIn: ['node-redis'] }))).toContain('node-redis');
    expect(names(storeMatrix({ autoClose: false, optIn: ['node-redis'] }))).not.toContain(
      'node-redis cluster',
    );
    expect(names(storeMatrix({ autoClose: false, only: ['node-redis cluster'] }))).toEqual([
      'node-redis cluster',
    ]);
  });

  it('adds the layer entries only when asked: L1 over memory and ioredis, failover over ioredis', () => {
    const matrix = storeMatrix({ layers: ['l1', 'failover'], autoClose: false });
    const layered = matrix.filter((e) => e.layer !== undefined).map((e) => `${e.layer}:${e.name}`);
    expect(layered).toEqual([
      'l1:memory+L1',
      'l1:ioredis+L1',
      'l1:ioredis cluster+L1',
      'failover:ioredis+failover',
    ]);
    for (const names of Object.values(MATRIX_LAYERS)) for (const n of names) expect(variants).toContain(n);
    expect(storeMatrix({ layers: ['failover'], only: ['ioredis+failover'], autoClose: false }).length).toBe(
      1,
    );
  });

  it('gives a memory entry the value limit of its options', () => {
    const [memory] = storeMatrix({ only: ['memory'], memory: { maxValueBytes: 1024 }, autoClose: false });
    expect(memory?.capabilities.maxValueBytes).toBe(1024);
  });
});

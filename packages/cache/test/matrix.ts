import { type KvStore, memoryAdapter, withL1 } from '@raptorflow/core';
import { ioredisAdapter } from '@raptorflow/core/ioredis';
import { upstashAdapter } from '@raptorflow/core/upstash';
import type { TestServers } from '@raptorflow/testkit';
import { inject } from 'vitest';

/** One store of the matrix the cache suite runs on. */
export interface MatrixStore {
  readonly name: string;
  /** Build the store (and wait for its L1 bus when it has one). */
  create(): Promise<KvStore>;
  /** True when the store is Redis-backed and shared between processes. */
  readonly shared: boolean;
}

async function ready(store: KvStore): Promise<KvStore> {
  const l1 = (store as { l1?: { ready: Promise<void> } }).l1;
  if (l1) await l1.ready;
  return store;
}

/**
 * memory, memory+L1, ioredis, ioredis+L1, ioredis Cluster, ioredis Cluster+L1 and Upstash (the
 * local REST server). To be replaced by core's `storeMatrix()` once it lands.
 */
export function cacheMatrix(): MatrixStore[] {
  const servers: TestServers = inject('raptorflow');
  const url = servers.redis.url;
  const nodes = servers.cluster.nodes;
  return [
    { name: 'memory', shared: false, create: async () => memoryAdapter() },
    { name: 'memory+L1', shared: false, create: () => ready(withL1(memoryAdapter())) },
    { name: 'ioredis', shared: true, create: async () => ioredisAdapter({ url }) },
    {
      name: 'ioredis+L1',
      shared: true,
      create: () =>
        ready(withL1(ioredisAdapter({ url }), { channel: `l1-${Math.random().toString(36).slice(2)}` })),
    },
    { name: 'ioredis cluster', shared: true, create: async () => ioredisAdapter({ cluster: { nodes } }) },
    {
      name: 'ioredis cluster+L1',
      shared: true,
      create: () =>
        ready(
          withL1(ioredisAdapter({ cluster: { nodes } }), {
            channel: `l1-${Math.random().toString(36).slice(2)}`,
          }),
        ),
    },
    {
      name: 'upstash',
      shared: true,
      create: async () => upstashAdapter({ url: servers.upstash.url, token: servers.upstash.token }),
    },
  ];
}

/** A prefix no other test uses. */
export function randomPrefix(): string {
  return `ct${Math.random().toString(36).slice(2, 10)}:`;
}

/** Every key of `store` under `prefix`. */
export async function keysUnder(store: KvStore, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const key of store.namespace(prefix).scan({ match: '*', count: 500 })) out.push(key);
  return out.sort();
}

/** Resolve after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

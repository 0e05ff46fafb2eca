import { type KvStore, memoryAdapter } from '@raptorflow/core';
import { ioredisAdapter } from '@raptorflow/core/ioredis';
import { upstashAdapter } from '@raptorflow/core/upstash';
import { inject } from 'vitest';

/** A store the suite runs on. `shared` stores can be reached from several clients and processes. */
export interface TestStore {
  name: string;
  shared: boolean;
  /** A new client on the same data (memory: the same store). */
  create(): KvStore;
}

/**
 * The stores every rate-limit test runs on: memory, ioredis standalone and ioredis Cluster
 * (3 masters), and Upstash through the local REST server, from the vitest global setup.
 */
export function testStores(): TestStore[] {
  const servers = inject('raptorflow');
  let memory: KvStore | undefined;
  return [
    {
      name: 'memory',
      shared: false,
      create: () => {
        memory ??= memoryAdapter({ sweepIntervalMs: 0 });
        return memory;
      },
    },
    {
      name: 'ioredis',
      shared: true,
      create: () => ioredisAdapter({ host: servers.redis.host, port: servers.redis.port }),
    },
    {
      name: 'ioredis-cluster',
      shared: true,
      create: () => ioredisAdapter({ cluster: { nodes: servers.cluster.nodes } }),
    },
    {
      name: 'upstash',
      shared: true,
      create: () => upstashAdapter({ url: servers.upstash.url, token: servers.upstash.token }),
    },
  ];
}

let seq = 0;
/** A prefix unique to this test run. */
export function uniquePrefix(tag: string): string {
  seq += 1;
  return `rltest:${tag}:${process.pid}-${Date.now().toString(36)}-${seq}:`;
}

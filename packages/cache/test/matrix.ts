import { type KvStore, withL1 } from '@raptorflow/core';
import { storeMatrix } from '@raptorflow/core/testing';

/** One store of the matrix the cache suite runs on. */
export interface MatrixStore {
  readonly name: string;
  /** Build the store (and wait for its L1 bus when it has one). */
  create(): Promise<KvStore>;
}

async function ready(store: KvStore): Promise<KvStore> {
  const l1 = (store as { l1?: { ready: Promise<void> } }).l1;
  if (l1) await l1.ready;
  return store;
}

/**
 * Core's `storeMatrix()` (memory, ioredis, ioredis Cluster, Upstash through the local REST
 * server; it grows with core) plus an L1 stack (`withL1`, with its pub/sub bus where the store
 * has pub/sub) on each store but Upstash.
 */
export function cacheMatrix(): MatrixStore[] {
  const out: MatrixStore[] = [];
  for (const entry of storeMatrix()) {
    out.push({ name: entry.name, create: () => entry.create() });
    if (entry.name === 'upstash') continue;
    out.push({
      name: `${entry.name}+L1`,
      create: async () => {
        const channel = entry.capabilities.pubsub ? `l1-${Math.random().toString(36).slice(2)}` : false;
        return ready(withL1(await entry.create(), { channel }));
      },
    });
  }
  return out;
}

/** A prefix no other test uses: core's testing helper, not a copy. */
export { randomPrefix } from '@raptorflow/core/testing';

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

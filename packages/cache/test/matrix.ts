import type { KvStore } from '@raptorflow/core';

// The store matrix is core's: `storeMatrix({ layers: ['l1'] })` from `@raptorflow/core/testing`.

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

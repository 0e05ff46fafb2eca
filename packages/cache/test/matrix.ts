import type { KvStore } from '@raptorflow/core';
import { randomPrefix as corePrefix } from '@raptorflow/core/testing';

// The store matrix is core's: `storeMatrix({ layers: ['l1'] })` from `@raptorflow/core/testing`.

/** Prefixes handed out by {@link randomPrefix} and not yet deleted by {@link deleteHandedOut}. */
const handedOut: string[] = [];

/**
 * A prefix no other test uses (core's `cf:<random>:`), remembered so that the file can delete its
 * keys when done: the test servers are shared by every file of a run, and keys left behind make
 * other files' scans slower.
 */
export function randomPrefix(): string {
  const prefix = corePrefix();
  handedOut.push(prefix);
  return prefix;
}

/**
 * Delete, through `store`, every key under the prefixes handed out since the last call, and
 * forget them; resolves to how many keys were deleted. Call it in `afterAll` before closing the
 * store the prefixes were used with (a describe block of the matrix runs on one store).
 */
export async function deleteHandedOut(store: KvStore): Promise<number> {
  let deleted = 0;
  for (const prefix of handedOut.splice(0)) deleted += await deleteUnder(store, prefix);
  return deleted;
}

/**
 * Delete every key under `prefix` through `store` and forget the prefix (for a test whose runs
 * overlap, each deleting its own); resolves to how many keys were deleted.
 */
export async function deleteUnder(store: KvStore, prefix: string): Promise<number> {
  const at = handedOut.indexOf(prefix);
  if (at >= 0) handedOut.splice(at, 1);
  const view = store.namespace(prefix);
  const keys = await keysUnder(store, prefix);
  // One DEL per key in a pipeline: a prefix holds several workspaces, i.e. Cluster slots.
  for (let i = 0; i < keys.length; i += 500) {
    const batch = view.batch();
    for (const key of keys.slice(i, i + 500)) batch.del(key);
    await batch.exec();
  }
  return keys.length;
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

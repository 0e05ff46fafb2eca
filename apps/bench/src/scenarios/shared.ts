import type { KvStore } from '@raptorflow/core';
import type { BenchFixtures } from '../types.js';

/** Keys per MSET/DEL call or batch when filling or cleaning up. */
export const CHUNK = 500;

/** Write every fixture key with its value, in chunks (untimed setup). */
export async function fillKeys(store: KvStore, fixtures: BenchFixtures): Promise<void> {
  const { keys, values } = fixtures;
  for (let start = 0; start < keys.length; start += CHUNK) {
    const entries: Record<string, string> = {};
    for (let i = start; i < Math.min(keys.length, start + CHUNK); i++) {
      entries[keys[i] as string] = values[i] as string;
    }
    await store.mset(entries);
  }
}

/** Delete the fixture keys, in chunks: the bench never flushes a database it may share. */
export async function deleteKeys(store: KvStore, keys: readonly string[]): Promise<void> {
  for (let start = 0; start < keys.length; start += CHUNK) {
    await store.del(keys.slice(start, start + CHUNK));
  }
}

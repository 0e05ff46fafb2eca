import type { KvStore } from '@raptorflow/core';
import { storeMatrix } from '@raptorflow/core/testing';

/** A store the suite runs on. `shared` stores can be reached from several clients and processes. */
export interface TestStore {
  name: string;
  shared: boolean;
  /** A new client (memory: a new, empty store). Closed by the matrix after the file's tests. */
  create(): Promise<KvStore>;
}

/**
 * The stores every rate-limit test runs on: core's `storeMatrix()` (memory, ioredis, ioredis
 * Cluster with 3 masters, Upstash through the local REST server). Call it at the top of a test
 * file: the matrix closes what it created after the file's last test.
 */
export function testStores(): TestStore[] {
  return storeMatrix().map((entry) => ({
    name: entry.name,
    shared: entry.capabilities.shared,
    create: () => entry.create(),
  }));
}

let seq = 0;
/** A prefix unique to this test run. */
export function uniquePrefix(tag: string): string {
  seq += 1;
  return `rltest:${tag}:${process.pid}-${Date.now().toString(36)}-${seq}:`;
}

import type { TestServers } from '@raptorflow/testkit';
import { afterAll, inject } from 'vitest';
// Capabilities only: this module does not load ioredis unless an ioredis entry creates a store.
import { ioredisCapabilities } from '../adapters/ioredis/driver.js';
import { type MemoryAdapterOptions, memoryAdapter } from '../adapters/memory.js';
import { upstashAdapter } from '../adapters/upstash.js';
import type { KvCapabilities } from '../driver.js';
import type { KvStore } from '../types.js';

/** One store of the adapter matrix. */
export interface StoreMatrixEntry {
  /** `memory`, `ioredis`, `ioredis cluster` or `upstash`; unique, usable as a test title (`'$name'`). */
  readonly name: string;
  /** What the store can do, known before any store is created (for `skip`-free branching). */
  readonly capabilities: KvCapabilities;
  /**
   * A new root store. Each call connects anew (memory: a new empty store); every store created
   * is closed by the matrix (see {@link storeMatrix}). Isolate tests with `store.namespace(prefix)`:
   * the Redis entries share one server with every other test file.
   */
  create(): Promise<KvStore>;
}

/** The list {@link storeMatrix} returns, plus a way to close what it created. */
export type StoreMatrix = StoreMatrixEntry[] & {
  /** Close every store this matrix created so far. Idempotent. */
  dispose(): Promise<void>;
};

/** Options of {@link storeMatrix}. */
export interface StoreMatrixOptions {
  /** Only the entries with these names, in the matrix's order. @default every entry */
  only?: readonly string[] | undefined;
  /**
   * Register an `afterAll` hook, in the suite where `storeMatrix()` is called, that closes every
   * store the matrix created. Turn it off to call `dispose()` yourself. @default true
   */
  autoClose?: boolean | undefined;
  /** Options of the memory entry's `memoryAdapter`. @default `{ sweepIntervalMs: 0 }` (no timer) */
  memory?: MemoryAdapterOptions | undefined;
}

type Factory = (servers: TestServers) => Promise<KvStore>;

async function ioredis(
  options: Parameters<typeof import('../adapters/ioredis.js').ioredisAdapter>[0],
): Promise<KvStore> {
  // Loaded on demand: ioredis is an optional peer, needed only by the Redis entries.
  const { ioredisAdapter } = await import('../adapters/ioredis.js');
  return ioredisAdapter(options);
}

/**
 * The adapter matrix feature packages run their tests on: memory, ioredis standalone,
 * ioredis Cluster (3 masters) and upstash (through the local REST server), on the servers of the vitest global setup (`inject('raptorflow')`).
 *
 * ```ts
 * describe.each(storeMatrix())('$name', ({ create, capabilities }) => { ... });
 * ```
 *
 * Cleanup: by default the matrix registers an `afterAll` hook where it is called (at the top
 * of a test file, that is after the file's last test) closing every store its entries created;
 * with `autoClose: false`, call `dispose()` yourself. Closing a store twice is harmless.
 */
export function storeMatrix(options: StoreMatrixOptions = {}): StoreMatrix {
  const servers = inject('raptorflow');
  const created: KvStore[] = [];
  const memoryOptions = options.memory ?? { sweepIntervalMs: 0 };
  const factories: Array<{ name: string; capabilities: KvCapabilities; make: Factory }> = [
    {
      name: 'memory',
      capabilities: memoryAdapter({ ...memoryOptions, sweepIntervalMs: 0 }).capabilities,
      make: async () => memoryAdapter(memoryOptions),
    },
    {
      name: 'ioredis',
      capabilities: ioredisCapabilities(false),
      make: (s) => ioredis({ url: s.redis.url }),
    },
    {
      name: 'ioredis cluster',
      capabilities: ioredisCapabilities(true),
      make: (s) =>
        ioredis({ cluster: { nodes: s.cluster.nodes.map((n) => ({ host: n.host, port: n.port })) } }),
    },
    {
      // Upstash over HTTP through testkit's local REST server (in front of the standalone Redis).
      // Building the adapter opens no connection, so its capabilities are read from a throwaway one.
      name: 'upstash',
      capabilities: upstashAdapter({ url: servers.upstash.url, token: servers.upstash.token }).capabilities,
      make: async (s) => upstashAdapter({ url: s.upstash.url, token: s.upstash.token }),
    },
  ];
  const only = options.only;
  const entries = factories
    .filter((f) => only === undefined || only.includes(f.name))
    .map(
      (f): StoreMatrixEntry => ({
        name: f.name,
        capabilities: f.capabilities,
        async create() {
          const store = await f.make(servers);
          created.push(store);
          return store;
        },
      }),
    );
  const dispose = async (): Promise<void> => {
    const stores = created.splice(0);
    await Promise.all(stores.map((s) => s.close().catch(() => undefined)));
  };
  if (options.autoClose !== false) afterAll(dispose);
  return Object.assign(entries, { dispose });
}

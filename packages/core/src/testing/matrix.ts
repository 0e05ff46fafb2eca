import { afterAll, inject } from 'vitest';
import type { MemoryAdapterOptions } from '../adapters/memory.js';
import {
  KV_ADAPTERS,
  type KvAdapterSettings,
  type KvAdapterVariant,
  type KvServerKind,
} from '../adapters/registry.js';
import type { KvCapabilities } from '../driver.js';
import { withFailover } from '../layers/failover.js';
import { withL1 } from '../layers/l1.js';
import type { KvStore } from '../types.js';

/** One store of the adapter matrix. */
export interface StoreMatrixEntry {
  /**
   * A registry variant (`memory`, `ioredis`, `ioredis cluster`, `upstash`) or a layer stack over
   * one (`ioredis+L1`, `ioredis+failover`); unique, usable as a test title (`'$name'`).
   */
  readonly name: string;
  /** What the store can do, known before any store is created (for `skip`-free branching). */
  readonly capabilities: KvCapabilities;
  /** The layer over the adapter, or `undefined` for a bare adapter. */
  readonly layer: MatrixLayer | undefined;
  /**
   * A new root store. Each call connects anew (memory: a new empty store); every store created
   * is closed by the matrix (see {@link storeMatrix}). Isolate tests with `store.namespace(prefix)`:
   * the Redis entries share one server with every other test file. An L1 entry resolves once its
   * invalidation bus is subscribed.
   */
  create(): Promise<KvStore>;
}

/** A layer stack the matrix can add over an adapter. */
export type MatrixLayer = 'l1' | 'failover';

/** The list {@link storeMatrix} returns, plus a way to close what it created. */
export type StoreMatrix = StoreMatrixEntry[] & {
  /** Close every store this matrix created so far. Idempotent. */
  dispose(): Promise<void>;
};

/** Options of {@link storeMatrix}. */
export interface StoreMatrixOptions {
  /** Only the entries with these names, in the matrix's order (opt-in variants included when named). @default every entry */
  only?: readonly string[] | undefined;
  /**
   * Registry variants marked `matrix: 'opt-in'` (node-redis, node-redis cluster) to add, by
   * name, or `'all'`. Core's suites take them all; a feature suite adds them when its behaviour
   * depends on the client library. @default none
   */
  optIn?: readonly string[] | 'all' | undefined;
  /**
   * Add layer entries (see {@link MATRIX_LAYERS}): `l1` is `withL1` (its pub/sub bus on a random
   * channel where the store has pub/sub) over memory, ioredis and ioredis cluster; `failover` is
   * `withFailover` over ioredis (a memory fallback). Opt-in: each one multiplies a file's tests.
   * @default none
   */
  layers?: readonly MatrixLayer[] | undefined;
  /**
   * Register an `afterAll` hook, in the suite where `storeMatrix()` is called, that closes every
   * store the matrix created. Turn it off to call `dispose()` yourself. @default true
   */
  autoClose?: boolean | undefined;
  /** Options of the memory entry's `memoryAdapter`. @default `{ sweepIntervalMs: 0 }` (no timer) */
  memory?: MemoryAdapterOptions | undefined;
}

/** The servers the vitest global setup of `@raptorflow/testkit` provides as `inject('raptorflow')`. */
export interface MatrixServers {
  readonly redis: { readonly url: string };
  readonly cluster: { readonly nodes: ReadonlyArray<{ readonly host: string; readonly port: number }> };
  readonly upstash: { readonly url: string; readonly token: string };
}

/**
 * How a variant reaches the test servers, by the kind of server it talks to: the one place that
 * says it. A new adapter on a Redis server, a Cluster or an Upstash endpoint needs no line here.
 */
export const TEST_CONNECTIONS: Readonly<Record<KvServerKind, (servers: MatrixServers) => KvAdapterSettings>> =
  {
    none: () => ({}),
    redis: (s) => ({ url: s.redis.url }),
    cluster: (s) => ({ nodes: s.cluster.nodes }),
    // Upstash over HTTP through testkit's local REST server (in front of the standalone Redis).
    upstash: (s) => ({ url: s.upstash.url, token: s.upstash.token }),
  };

/**
 * The layer entries, by layer: which variants each wraps. L1 leaves Upstash out: its pub/sub is
 * an HTTP stream per subscription, and cache's L1 tests on it added no path the others miss.
 */
export const MATRIX_LAYERS: Readonly<Record<MatrixLayer, readonly string[]>> = {
  l1: ['memory', 'ioredis', 'ioredis cluster'],
  failover: ['ioredis'],
};

const LAYER_SUFFIX: Readonly<Record<MatrixLayer, string>> = { l1: '+L1', failover: '+failover' };

async function layered(layer: MatrixLayer, store: KvStore): Promise<KvStore> {
  if (layer === 'failover') return withFailover(store);
  const channel = store.capabilities.pubsub ? `l1-${Math.random().toString(36).slice(2)}` : false;
  const l1 = withL1(store, { channel });
  await l1.l1.ready;
  return l1;
}

/**
 * The adapter matrix feature packages run their tests on: every variant of the adapter registry
 * (`KV_ADAPTERS`: memory, ioredis standalone, ioredis Cluster with 3 masters, Upstash through
 * the local REST server; node-redis standalone and Cluster with `optIn`), on the servers of the
 * vitest global setup (`inject('raptorflow')`), and with `layers`, layer stacks over them.
 *
 * ```ts
 * describe.each(storeMatrix({ layers: ['l1'] }))('$name', ({ create, capabilities }) => { ... });
 * ```
 *
 * Cleanup: by default the matrix registers an `afterAll` hook where it is called (at the top
 * of a test file, that is after the file's last test) closing every store its entries created;
 * with `autoClose: false`, call `dispose()` yourself. Closing a store twice is harmless.
 */
export function storeMatrix(options: StoreMatrixOptions = {}): StoreMatrix {
  // Typed here rather than through testkit's `ProvidedContext` augmentation, so that this shipped
  // module imports vitest only (an optional peer of core), never @raptorflow/testkit.
  const servers = (inject as (key: string) => unknown)('raptorflow') as MatrixServers;
  const created: KvStore[] = [];
  const memory = options.memory ?? { sweepIntervalMs: 0 };
  const variants = new Map<string, { variant: KvAdapterVariant; make: () => Promise<KvStore> }>();
  for (const adapter of KV_ADAPTERS) {
    for (const variant of adapter.variants) {
      const make = (): Promise<KvStore> =>
        adapter.create(variant.name, { ...TEST_CONNECTIONS[variant.server](servers), memory });
      variants.set(variant.name, { variant, make });
    }
  }
  const all: Array<Omit<StoreMatrixEntry, 'create'> & { make: () => Promise<KvStore> }> = [];
  const only = options.only;
  const optIn = options.optIn;
  const wanted = (name: string): boolean =>
    optIn === 'all' || optIn?.includes(name) === true || only?.includes(name) === true;
  for (const { variant, make } of variants.values()) {
    if (variant.matrix === 'opt-in' && !wanted(variant.name)) continue;
    // The registry's capabilities are the defaults'; a memory store's value limit is an option.
    const limit = variant.name === 'memory' ? memory.maxValueBytes : undefined;
    const capabilities =
      limit === undefined ? variant.capabilities : { ...variant.capabilities, maxValueBytes: limit };
    all.push({ name: variant.name, capabilities, layer: undefined, make });
  }
  for (const layer of options.layers ?? []) {
    for (const name of MATRIX_LAYERS[layer]) {
      const base = variants.get(name);
      if (base === undefined) continue;
      all.push({
        name: `${name}${LAYER_SUFFIX[layer]}`,
        capabilities: (all.find((e) => e.name === name) as { capabilities: KvCapabilities }).capabilities,
        layer,
        make: async () => layered(layer, await base.make()),
      });
    }
  }
  const entries = all
    .filter((e) => only === undefined || only.includes(e.name))
    .map(
      ({ make, ...entry }): StoreMatrixEntry => ({
        ...entry,
        async create() {
          const store = await make();
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

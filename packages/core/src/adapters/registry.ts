/**
 * The adapter registry: the one list of core's adapters that `kvFromEnv`, the test matrix
 * (`storeMatrix`), the differential test and the bench read. Adding an adapter is one entry here
 * (see "Adding an adapter" in core's README); `scripts/check-structure.mjs` checks that every
 * module in `src/adapters/` has an entry, an export subpath and a conformance test.
 *
 * Edge-safe and light: it imports no adapter. Each entry loads its module with `import()` when a
 * store is created, so a bundle of memory or Upstash never pulls in ioredis (or `node:` modules).
 */

import type { KvCapabilities } from '../driver.js';
import { KvError } from '../errors.js';
import type { KvStore } from '../types.js';
import { redisUrlProblem } from './ioredis/url-db.js';
import type { MemoryAdapterOptions } from './memory.js';

/** The name of an adapter in the registry, as `KV_ADAPTER` spells it. */
export type KvAdapterName = 'memory' | 'ioredis' | 'node-redis' | 'upstash';

/** What an entry's `create` builds a store from: the parts a URL-configured deployment has. */
export interface KvAdapterSettings {
  /** The server's URL, credentials included (ioredis: `redis://`, Upstash: the REST `https://` URL). */
  readonly url?: string | undefined;
  /** The REST token (Upstash). */
  readonly token?: string | undefined;
  /** Cluster seed nodes (the `ioredis cluster` variant). */
  readonly nodes?: ReadonlyArray<{ readonly host: string; readonly port: number }> | undefined;
  /** Options of the memory adapter. @default `memoryAdapter()`'s defaults */
  readonly memory?: MemoryAdapterOptions | undefined;
  /** Requests or connections in flight at once (`REDIS_MAX_CONNECTIONS`): Upstash's `maxConcurrentRequests`. @default the adapter's default */
  readonly maxConnections?: number | undefined;
  /** The setting that chose this adapter, named in load errors (e.g. `REDIS_URL`). @default the adapter's name */
  readonly chosenBy?: string | undefined;
}

/** One way to run an adapter (ioredis: standalone or Cluster), with what it can do. */
export interface KvAdapterVariant {
  /** Unique across the registry and usable as a test title: `memory`, `ioredis cluster`. */
  readonly name: string;
  /** The store's capabilities, known without connecting (the matrix test checks they match). */
  readonly capabilities: KvCapabilities;
  /**
   * What it talks to, so tests and the bench connect it to their own servers without a list of
   * their own: `none` (in-process), `redis` (a server's `url`), `cluster` (seed `nodes`) or
   * `upstash` (a REST `url` and `token`).
   */
  readonly server: KvServerKind;
  /**
   * `opt-in`: `storeMatrix` leaves this variant out unless a suite asks for it (`optIn`), so a
   * second client library for the same server does not multiply every feature suite's run time;
   * core's own suites opt in. @default 'default' (always in the matrix)
   */
  readonly matrix?: 'default' | 'opt-in' | undefined;
}

/** The kinds of server a variant talks to (see {@link KvAdapterVariant.server}). */
export type KvServerKind = 'none' | 'redis' | 'cluster' | 'upstash';

/** One adapter of the registry. */
export interface KvAdapterEntry {
  /** The adapter's name (`KV_ADAPTER`), also the name of its module `src/adapters/<name>.ts`. */
  readonly name: KvAdapterName;
  /** The package subpath that exports it; `undefined` for memory, which is in core's main entry. */
  readonly subpath: string | undefined;
  /**
   * URL schemes (with the colon) this adapter takes. In `kvFromEnv` a URL alone chooses the
   * first adapter of the registry with its scheme (`redis://` is ioredis; node-redis takes it
   * too, but only when `KV_ADAPTER=node-redis` chooses it). None for memory.
   */
  readonly schemes: readonly string[];
  /** The environment variables `kvFromEnv` reads for it, with an example URL for messages. */
  readonly env:
    | {
        readonly url: string;
        readonly example: string;
        readonly token?: string | undefined;
        /** The problem with a URL of the right scheme (ioredis: a database that is not a number), or undefined. */
        readonly urlProblem?: ((url: string) => string | undefined) | undefined;
      }
    | undefined;
  /** Its variants; the first is what `kvFromEnv` builds. */
  readonly variants: readonly KvAdapterVariant[];
  /** Build a store of `variant` (a name from `variants`). Loads the adapter's module on demand. */
  create(variant: string, settings: KvAdapterSettings): Promise<KvStore>;
}

const MIB = 1024 * 1024;

// Capabilities are declared here rather than read from a store so that nothing is loaded or
// connected to know them; `test/ioredis-matrix.test.ts` checks them against every real store.
const REDIS: KvCapabilities = Object.freeze({
  pubsub: true,
  cluster: false,
  ttlGranularityMs: 1,
  maxValueBytes: 512 * MIB,
  persistent: true,
  shared: true,
  blocking: false,
});

// Not a string literal on purpose: bundlers leave `import(variable)` alone, so an edge bundle of
// core's main entry never pulls in the ioredis adapter (and ioredis's `node:` modules). On Node
// the package resolves it from its own exports map.
const IOREDIS_ENTRY = '@raptorflow/core/ioredis';

const NODE_REDIS_ENTRY = '@raptorflow/core/node-redis';

type IoredisModule = typeof import('./ioredis.js');
type NodeRedisModule = typeof import('./node-redis.js');

/**
 * Load a Node-only adapter module by its package subpath, at run time, from node_modules: an
 * app bundled without the client library (or with core inlined and no `@raptorflow/core` on
 * disk) would otherwise crash with a bare `ERR_MODULE_NOT_FOUND`; this says what to install
 * instead, the cause attached.
 */
async function loadAdapterModule(
  entry: string,
  library: string,
  factory: string,
  variable: string,
  load: () => Promise<unknown>,
): Promise<unknown> {
  try {
    return await load();
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    throw new KvError(
      'E_UNSUPPORTED',
      `kvFromEnv: ${variable}: the ${library} adapter could not be loaded: install ${library} and keep ` +
        `${entry} resolvable at run time (bundlers: mark @raptorflow/core and ${library} external ` +
        `and ship both in node_modules), or build the store with ${factory} from ${entry}. ` +
        `Cause: ${detail}`,
      { cause },
    );
  }
}

/**
 * Load the ioredis adapter (see `loadAdapterModule`). `variable` is the setting that chose
 * ioredis. `load` is replaceable for tests.
 */
export async function loadIoredisAdapter(
  variable: string,
  load: () => Promise<unknown> = () => import(/* @vite-ignore */ /* webpackIgnore: true */ IOREDIS_ENTRY),
): Promise<IoredisModule> {
  return (await loadAdapterModule(
    IOREDIS_ENTRY,
    'ioredis',
    'ioredisAdapter',
    variable,
    load,
  )) as IoredisModule;
}

/**
 * Load the node-redis adapter, as {@link loadIoredisAdapter} loads ioredis's; the library to
 * install is `redis` (node-redis 5).
 */
export async function loadNodeRedisAdapter(
  variable: string,
  load: () => Promise<unknown> = () => import(/* @vite-ignore */ /* webpackIgnore: true */ NODE_REDIS_ENTRY),
): Promise<NodeRedisModule> {
  return (await loadAdapterModule(
    NODE_REDIS_ENTRY,
    'redis',
    'nodeRedisAdapter',
    variable,
    load,
  )) as NodeRedisModule;
}

function need<T>(value: T | undefined, adapter: string, what: string): T {
  if (value === undefined)
    throw new KvError('E_INVALID_OPTIONS', `${adapter}: the registry entry needs ${what}`);
  return value;
}

const memory = {
  name: 'memory',
  subpath: undefined,
  schemes: [],
  env: undefined,
  variants: [
    {
      name: 'memory',
      capabilities: Object.freeze({ ...REDIS, maxValueBytes: 512 * MIB, persistent: false, shared: false }),
      server: 'none',
    },
  ],
  async create(_variant, settings) {
    const { memoryAdapter } = await import('./memory.js');
    return memoryAdapter(settings.memory);
  },
} satisfies KvAdapterEntry;

const ioredis = {
  name: 'ioredis',
  subpath: IOREDIS_ENTRY,
  schemes: ['redis:', 'rediss:'],
  env: { url: 'REDIS_URL', example: 'redis://host:port', urlProblem: redisUrlProblem },
  variants: [
    { name: 'ioredis', capabilities: REDIS, server: 'redis' },
    { name: 'ioredis cluster', capabilities: Object.freeze({ ...REDIS, cluster: true }), server: 'cluster' },
  ],
  async create(variant, settings) {
    const { ioredisAdapter } = await loadIoredisAdapter(settings.chosenBy ?? 'ioredis');
    if (variant === 'ioredis cluster') {
      const nodes = need(settings.nodes, variant, 'nodes');
      return ioredisAdapter({ cluster: { nodes: nodes.map((n) => ({ host: n.host, port: n.port })) } });
    }
    return ioredisAdapter({ url: need(settings.url, variant, 'a url') });
  },
} satisfies KvAdapterEntry;

const nodeRedis = {
  name: 'node-redis',
  subpath: NODE_REDIS_ENTRY,
  // Never chosen by a URL alone: ioredis comes first in the registry with the same schemes.
  schemes: ['redis:', 'rediss:'],
  env: { url: 'REDIS_URL', example: 'redis://host:port', urlProblem: redisUrlProblem },
  variants: [
    // Opt-in in storeMatrix: the same servers as ioredis through a second client; core's suites
    // and any feature suite that asks run on it (every feature suite passed on it when it landed).
    { name: 'node-redis', capabilities: REDIS, server: 'redis', matrix: 'opt-in' },
    {
      name: 'node-redis cluster',
      capabilities: Object.freeze({ ...REDIS, cluster: true }),
      server: 'cluster',
      matrix: 'opt-in',
    },
  ],
  async create(variant, settings) {
    const { nodeRedisAdapter } = await loadNodeRedisAdapter(settings.chosenBy ?? 'node-redis');
    if (variant === 'node-redis cluster') {
      const nodes = need(settings.nodes, variant, 'nodes');
      return nodeRedisAdapter({ cluster: { nodes: nodes.map((n) => ({ host: n.host, port: n.port })) } });
    }
    return nodeRedisAdapter({ url: need(settings.url, variant, 'a url') });
  },
} satisfies KvAdapterEntry;

const upstash = {
  name: 'upstash',
  subpath: '@raptorflow/core/upstash',
  // http: is for local REST servers (testkit's, Upstash's own SRH); production URLs are https.
  schemes: ['https:', 'http:'],
  env: {
    url: 'UPSTASH_REDIS_REST_URL',
    example: 'https://<id>.upstash.io',
    token: 'UPSTASH_REDIS_REST_TOKEN',
  },
  variants: [
    {
      name: 'upstash',
      capabilities: Object.freeze({ ...REDIS, maxValueBytes: MIB }),
      server: 'upstash',
    },
  ],
  async create(_variant, settings) {
    const { upstashAdapter } = await import('./upstash.js');
    return upstashAdapter({
      url: need(settings.url, 'upstash', 'a url'),
      token: need(settings.token, 'upstash', 'a token'),
      // REDIS_MAX_CONNECTIONS accepts pool sizes up to 100000; more than 256 lanes gains nothing.
      maxConcurrentRequests:
        settings.maxConnections === undefined ? undefined : Math.min(settings.maxConnections, 256),
    });
  },
} satisfies KvAdapterEntry;

// Keyed by name so that the compiler refuses a name in `KvAdapterName` without an entry, or the reverse.
const ENTRIES: { readonly [N in KvAdapterName]: KvAdapterEntry & { readonly name: N } } = {
  memory,
  ioredis,
  'node-redis': nodeRedis,
  upstash,
};

/** Every adapter, in the order tests and the bench list them. */
export const KV_ADAPTERS: readonly KvAdapterEntry[] = Object.freeze(Object.values(ENTRIES));

/** The registry entry named `name`. */
export function adapterEntry(name: KvAdapterName): KvAdapterEntry {
  return ENTRIES[name];
}

/** The adapter whose URL scheme `protocol` is (`'redis:'`), or `undefined`. */
export function adapterForScheme(protocol: string): KvAdapterEntry | undefined {
  return KV_ADAPTERS.find((e) => e.schemes.includes(protocol));
}

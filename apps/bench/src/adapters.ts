import type { KvStore } from '@raptorflow/core';
import type { KvAdapterSettings, KvServerKind } from '@raptorflow/core/driver';
import type { BenchRedis } from './types.js';

/** A store built for one bench process, and how to release it. */
export interface BenchStore {
  readonly store: KvStore;
  /** Close the store and any client the registry entry opened for it. */
  close(): Promise<void>;
}

/**
 * One entry of the adapter registry. Add a backend (upstash, an L1 stack, a peer's client) by
 * adding one entry here; scenarios name entries in their `adapters` list.
 */
export interface BenchAdapter {
  readonly name: string;
  /** One line for the README and `--list`. */
  readonly description: string;
  /** Needs the bench's Redis server (started by the bench, or `REDIS_URL`). */
  readonly redis: boolean;
  /**
   * Build the store. Import the adapter's module inside this function, never at the top of
   * this file: each bench process must load only the code it measures.
   */
  create(redis: BenchRedis | undefined): Promise<BenchStore>;
}

function needRedis(redis: BenchRedis | undefined, adapter: string): BenchRedis {
  if (!redis) throw new Error(`adapter ${adapter} needs a Redis server`);
  return redis;
}

/**
 * How the bench reaches a core adapter, by the kind of server it talks to (the registry's
 * `server`): the settings its `create` needs, and what to stop afterwards. The adapter itself is
 * built by the registry (`KV_ADAPTERS` in @raptorflow/core), as `kvFromEnv` builds it. Cluster
 * variants are not benched (one Redis server).
 */
interface BenchConnection {
  readonly where: string;
  readonly redis: boolean;
  connect(redis: BenchRedis | undefined): Promise<{ settings: KvAdapterSettings; stop?: () => void }>;
}

const CONNECTIONS: Readonly<Partial<Record<KvServerKind, BenchConnection>>> = {
  none: { where: 'in the bench process', redis: false, connect: async () => ({ settings: {} }) },
  redis: {
    where: 'on the bench Redis, a client the adapter creates and owns (its defaults)',
    redis: true,
    connect: async (redis) => ({ settings: { url: needRedis(redis, 'redis').url } }),
  },
  upstash: {
    where:
      'over HTTP to the local Upstash REST server (testkit CLI, its own process) in front of the bench Redis',
    redis: true,
    async connect(redis) {
      // The REST server runs in its own process so its CPU is not billed to the measured client.
      const server = await startLocalUpstash(needRedis(redis, 'upstash').url);
      return { settings: { url: server.url, token: server.token }, stop: server.stop };
    },
  },
};

/**
 * The core adapters benched, by registry variant name. Listed here without importing core, so a
 * bench process of a peer library never loads it; `test/adapters.test.ts` checks each against the
 * registry. Benching a new adapter is one line here.
 */
export const CORE_VARIANTS: ReadonlyArray<{ name: string; server: KvServerKind; from: string }> = [
  { name: 'memory', server: 'none', from: '@raptorflow/core' },
  { name: 'ioredis', server: 'redis', from: '@raptorflow/core/ioredis' },
  { name: 'node-redis', server: 'redis', from: '@raptorflow/core/node-redis' },
  { name: 'upstash', server: 'upstash', from: '@raptorflow/core/upstash' },
];

/** A registry adapter, built by the registry's own factory. */
function coreAdapter(
  name: string,
  server: KvServerKind,
  from: string,
  extra: { settings: Partial<KvAdapterSettings>; as: string; what: string } | undefined = undefined,
): BenchAdapter {
  const connection = CONNECTIONS[server] as BenchConnection;
  return {
    name: extra?.as ?? name,
    description: `the ${name} adapter from ${from}${extra ? ` ${extra.what}` : ''}, built by core's registry, ${connection.where}`,
    redis: connection.redis,
    async create(redis) {
      // The registry loads only the adapter asked for (import() inside its create).
      const { KV_ADAPTERS } = await import('@raptorflow/core/driver');
      const adapter = KV_ADAPTERS.find((a) => a.variants.some((v) => v.name === name));
      if (!adapter) throw new Error(`adapter ${name} is not in core's registry (KV_ADAPTERS)`);
      const { settings, stop } = await connection.connect(redis);
      let store: KvStore;
      try {
        store = await adapter.create(name, { ...settings, ...extra?.settings });
        await store.ping();
      } catch (error) {
        stop?.();
        throw error;
      }
      return {
        store,
        async close() {
          await store.close();
          stop?.();
        },
      };
    },
  };
}

/** Every adapter the bench knows, by name: core's adapters, then bench-only stacks. */
export const ADAPTERS: Readonly<Record<string, BenchAdapter>> = {
  ...Object.fromEntries(CORE_VARIANTS.map((v) => [v.name, coreAdapter(v.name, v.server, v.from)])),
  // Upstash with 8 lanes beside the default single ordered pipeline: the same store, 8 requests in flight.
  'upstash-8-lanes': coreAdapter('upstash', 'upstash', '@raptorflow/core/upstash', {
    as: 'upstash-8-lanes',
    what: 'with REDIS_MAX_CONNECTIONS=8 (a request in flight per lane of keys)',
    settings: { maxConnections: 8 },
  }),
  'l1-ioredis': {
    name: 'l1-ioredis',
    description:
      'withL1(ioredisAdapter({ url })) from @raptorflow/core: L1 tier (defaults, pub/sub invalidation on) over ioredis',
    redis: true,
    async create(redis) {
      needRedis(redis, 'l1-ioredis');
      const [{ withL1 }, base] = await Promise.all([
        import('@raptorflow/core'),
        coreAdapter('ioredis', 'redis', '@raptorflow/core/ioredis').create(redis),
      ]);
      const store = withL1(base.store);
      await store.l1.ready;
      return { store, close: () => store.close() };
    },
  },
};

/**
 * Start `raptorflow-upstash-local` (from @raptorflow/testkit) as a child process on a free port
 * and read its URL from its first line of output. Built CLI when this file is built, sources
 * through tsx otherwise (as the bench's own workers).
 */
async function startLocalUpstash(redisUrl: string): Promise<{ url: string; token: string; stop(): void }> {
  const [{ spawn }, { createRequire }, { dirname, join }, { randomBytes }] = await Promise.all([
    import('node:child_process'),
    import('node:module'),
    import('node:path'),
    import('node:crypto'),
  ]);
  const require = createRequire(import.meta.url);
  const testkit = dirname(require.resolve('@raptorflow/testkit/package.json'));
  const fromSource = import.meta.url.endsWith('.ts');
  const args = fromSource
    ? ['--import', require.resolve('tsx'), join(testkit, 'src/upstash/cli.ts')]
    : [join(testkit, 'dist/upstash/cli.js')];
  const token = randomBytes(16).toString('hex');
  const child = spawn(process.execPath, [...args, '--redis', redisUrl, '--port', '0', '--token', token], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const stop = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  };
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      stop();
      reject(new Error('the local Upstash server did not start within 10 s'));
    }, 10_000);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const found = /on (http:\/\/\S+)/.exec(out);
      if (found) {
        clearTimeout(timer);
        resolve(found[1] as string);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the local Upstash server exited with ${code}`));
    });
  });
  return { url, token, stop };
}

/** Names of the registry entries, in registry order. */
export const ADAPTER_NAMES: readonly string[] = Object.keys(ADAPTERS);

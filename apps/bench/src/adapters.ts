import type { KvStore } from '@raptorflow/core';
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

/** Every adapter the bench knows, by name. */
export const ADAPTERS: Readonly<Record<string, BenchAdapter>> = {
  memory: {
    name: 'memory',
    description: 'memoryAdapter() from @raptorflow/core, in the bench process',
    redis: false,
    async create() {
      const { memoryAdapter } = await import('@raptorflow/core');
      const store = memoryAdapter();
      return { store, close: () => store.close() };
    },
  },
  ioredis: {
    name: 'ioredis',
    description:
      'ioredisAdapter({ url }) from @raptorflow/core/ioredis: the client it creates (RESP2, its defaults)',
    redis: true,
    async create(redis) {
      const { url } = needRedis(redis, 'ioredis');
      const { ioredisAdapter } = await import('@raptorflow/core/ioredis');
      // The adapter owns this client: store.close() quits it.
      const store = ioredisAdapter({ url });
      await store.ping();
      return { store, close: () => store.close() };
    },
  },
  'l1-ioredis': {
    name: 'l1-ioredis',
    description:
      'withL1(ioredisAdapter({ url })) from @raptorflow/core: L1 tier (defaults, pub/sub invalidation on) over ioredis',
    redis: true,
    async create(redis) {
      const { url } = needRedis(redis, 'l1-ioredis');
      const [{ withL1 }, { ioredisAdapter }] = await Promise.all([
        import('@raptorflow/core'),
        import('@raptorflow/core/ioredis'),
      ]);
      const store = withL1(ioredisAdapter({ url }));
      await store.l1.ready;
      return { store, close: () => store.close() };
    },
  },
  upstash: {
    name: 'upstash',
    description:
      'upstashAdapter({ url, token }) from @raptorflow/core/upstash, over HTTP to the local Upstash REST server (testkit CLI, its own process) in front of the bench Redis',
    redis: true,
    async create(redis) {
      const { url } = needRedis(redis, 'upstash');
      // The REST server runs in its own process so its CPU is not billed to the measured client.
      const server = await startLocalUpstash(url);
      const { upstashAdapter } = await import('@raptorflow/core/upstash');
      const store = upstashAdapter({ url: server.url, token: server.token });
      try {
        await store.ping();
      } catch (error) {
        server.stop();
        throw error;
      }
      return {
        store,
        async close() {
          await store.close();
          server.stop();
        },
      };
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

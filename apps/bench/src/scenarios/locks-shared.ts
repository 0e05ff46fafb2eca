import { defineScenario, type Scenario } from '../types.js';

/** Resources of the uncontended scenarios: 10,000, so 64 in flight never share one. */
export const RESOURCES: readonly string[] = Array.from({ length: 10_000 }, (_, i) => `res-${i}`);
/** Resources of the contended scenarios: 64 workers on 8 (the shape). */
export const CONTENDED: readonly string[] = Array.from({ length: 8 }, (_, i) => `hot-${i}`);
/** TTL of every lock, ms (as in shared/research/wave2-facts.md §1). */
export const TTL_MS = 5_000;

/**
 * The longest wait for a lock in a contended run (warm-up included), as a row note: the issue
 * asks for it beside the commands per acquisition, and a peer whose waiters starve shows it here
 * while its p99 can look fine. Timed on both sides the same way, around `acquire` only.
 */
function longestWait(): { time<T>(acquire: () => Promise<T>): Promise<T>; notes(): string[] } {
  let longest = 0;
  let count = 0;
  return {
    async time(acquire) {
      const started = performance.now();
      const lock = await acquire();
      longest = Math.max(longest, performance.now() - started);
      count += 1;
      return lock;
    },
    notes: () => [
      `longest wait for a lock: ${longest.toFixed(0)} ms over ${count} acquisitions (warm-up included)`,
    ],
  };
}

/**
 * Ours: `acquire(resource)` then `release()`, one round trip each (the fencing token comes from
 * the acquire script). Uncontended: `wait: 0`, and a refusal fails the run. Contended: waits
 * (backoff with full jitter, woken by pub/sub on release).
 */
export function ours(contended: boolean): Scenario {
  return defineScenario({
    name: contended ? 'locks-contended-raptorflow' : 'locks-raptorflow',
    description: contended
      ? '@raptorflow/locks acquire + release, 8 resources (64 in flight contend), wait with backoff + pub/sub wake-ups'
      : '@raptorflow/locks acquire + release (with fencing token), 10,000 resources, never contended',
    adapters: ['memory', 'ioredis', 'node-redis'],
    baseline: contended ? 'locks-contended-redlock' : 'locks-redlock',
    async setup(ctx) {
      const { createLocks } = await import('@raptorflow/locks');
      const store = await ctx.store();
      const prefix = `${ctx.fixtures.prefix}locks:`;
      const locks = createLocks({ store, prefix, ttl: TTL_MS, wait: contended ? '60s' : 0 });
      const list = contended ? CONTENDED : RESOURCES;
      const n = list.length;
      const waits = longestWait();
      return {
        op: contended
          ? async (i) => {
              const lock = await waits.time(() => locks.acquire(list[i % n] as string));
              await lock.release();
            }
          : async (i) => {
              const lock = await locks.acquire(list[i % n] as string);
              await lock.release();
            },
        notes: () => (contended ? waits.notes() : []),
        async teardown() {
          await locks.close();
          const keys = list.flatMap((r) => [`${prefix}{${r}}:fence`, `${prefix}{${r}}:waiters`]);
          for (let i = 0; i < keys.length; i += 500) await store.del(keys.slice(i, i + 500));
        },
      };
    },
  });
}

/**
 * redlock 5.0.0-beta.2 (what TypeScript users install) or its maintained fork
 * @sesamecare-oss/redlock 1.4.0, same API: `acquire([resource], ttl)` then `release()`, one
 * ioredis client of their own (one Redis instance, so a quorum of one). Uncontended:
 * `retryCount: 0`, as the wave-2 probe. Contended: their defaults (retry every 200 ms ± 100 ms
 * jitter) with `retryCount: 300` instead of 10, so a waiter gives up after about a minute, not 2 s.
 */
export function peer(library: 'redlock' | 'sesame', contended: boolean): Scenario {
  const label = library === 'redlock' ? 'redlock 5.0.0-beta.2' : '@sesamecare-oss/redlock 1.4.0';
  return defineScenario({
    name: `locks-${contended ? 'contended-' : ''}${library}`,
    description: `${label} acquire + release, ${contended ? '8 resources (64 in flight contend), retries' : '10,000 resources, retryCount 0'}; own ioredis client`,
    adapters: ['ioredis'],
    async setup(ctx) {
      if (!ctx.redis) throw new Error('redlock runs on Redis only');
      const { Redis } = await import('ioredis');
      const client = new Redis(ctx.redis.url);
      type Lock = { release(): Promise<unknown> };
      type RedlockLike = { acquire(resources: string[], ttl: number): Promise<Lock> };
      let redlock: RedlockLike;
      const settings = contended ? { retryCount: 300 } : { retryCount: 0 };
      if (library === 'redlock') {
        // A variable specifier: redlock 5's `exports` map hides its types from TypeScript.
        const specifier = 'redlock';
        const mod = (await import(specifier)) as { default: unknown };
        const Redlock = ((mod.default as { default?: unknown }).default ?? mod.default) as new (
          clients: unknown[],
          settings: object,
        ) => RedlockLike;
        redlock = new Redlock([client], settings);
      } else {
        const { Redlock } = (await import('@sesamecare-oss/redlock')) as unknown as {
          Redlock: new (clients: unknown[], settings: object) => RedlockLike;
        };
        redlock = new Redlock([client], settings);
      }
      const prefix = `${ctx.fixtures.prefix}${library}:`;
      const list = (contended ? CONTENDED : RESOURCES).map((r) => `${prefix}${r}`);
      const n = list.length;
      const waits = longestWait();
      return {
        op: contended
          ? async (i) => {
              const lock = await waits.time(() => redlock.acquire([list[i % n] as string], TTL_MS));
              await lock.release();
            }
          : async (i) => {
              const lock = await redlock.acquire([list[i % n] as string], TTL_MS);
              await lock.release();
            },
        notes: () => (contended ? waits.notes() : []),
        async teardown() {
          client.disconnect();
        },
      };
    },
  });
}

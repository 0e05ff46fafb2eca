import * as z from 'zod';
import type {
  BatchEntry,
  KvCapabilities,
  KvDriver,
  Reply,
  ScanRequest,
  ScriptCall,
  Subscription,
} from '../driver.js';
import { toKvError } from '../errors.js';
import { parseOptions } from '../kit/options.js';
import { createStore } from '../store.js';
import type { KvStore } from '../types.js';
import { Engine } from './memory/engine.js';
import { compileGlob } from './memory/glob.js';
import { isExpired } from './memory/keyspace.js';
import { PubSub } from './memory/pubsub.js';

const MIB = 1024 * 1024;
const BUSY_SWEEP_DELAY_MS = 10;

const optionsSchema = z.strictObject({
  clock: z.custom<() => number>((v) => typeof v === 'function', 'must be a function').optional(),
  maxKeys: z.number().int().positive().optional(),
  sweepIntervalMs: z.number().int().nonnegative().default(1000),
  sweepBatch: z.number().int().positive().default(200),
  maxValueBytes: z
    .number()
    .int()
    .positive()
    .default(512 * MIB),
  name: z.string().min(1).default('memory'),
});

/** Options of {@link memoryAdapter}. */
export interface MemoryAdapterOptions {
  /** The store's clock in ms since the epoch; tests pass a fake one. @default Date.now */
  clock?: (() => number) | undefined;
  /** Keep at most this many keys, evicting the least recently used beyond it. @default unlimited */
  maxKeys?: number | undefined;
  /** Period of the expiry sweep in ms; 0 disables the timer (expiry stays lazy on access). @default 1000 */
  sweepIntervalMs?: number | undefined;
  /**
   * Most keys with a TTL examined per sweep, so a sweep never blocks for long. When more than
   * a quarter of them had expired, the next sweep runs after 10 ms instead of `sweepIntervalMs`.
   * @default 200
   */
  sweepBatch?: number | undefined;
  /** Largest value accepted, in bytes of UTF-8. @default 536870912 (512 MiB, as Redis) */
  maxValueBytes?: number | undefined;
  /** Adapter name in errors and events. @default 'memory' */
  name?: string | undefined;
}

/** The memory store plus hooks its own tests use. */
export interface MemoryDriver extends KvDriver {
  /** Run one expiry sweep now (at most `sweepBatch` keys examined); returns how many it deleted. */
  sweep(): number;
  /** Number of keys held, expired ones not yet swept included. */
  readonly size: number;
}

/** Build the memory driver (see {@link memoryAdapter}); layers and tests may want it bare. */
export function memoryDriver(options?: MemoryAdapterOptions): MemoryDriver {
  const opts = parseOptions('memoryAdapter', optionsSchema, options);
  const clock = opts.clock ?? Date.now;
  const engine = new Engine({ clock, maxKeys: opts.maxKeys });
  const pubsub = new PubSub();
  const name = opts.name;
  let closed = false;

  // One sweep examines at most `sweepBatch` keys. Like Redis's active expiry cycle, when more
  // than a quarter of them had expired the next sweep comes sooner, so expiry keeps up with a
  // workload that writes more expiring keys per interval than one batch holds.
  const sweep = (): number => {
    engine.keyspace.now = clock();
    return engine.keyspace.sweep(opts.sweepBatch);
  };

  let timer: ReturnType<typeof setTimeout> | undefined;
  const schedule = (delay: number): void => {
    timer = setTimeout(tick, delay);
    // Node and Deno timers can be unref'd so an idle store never keeps a process alive.
    (timer as { unref?: () => void }).unref?.();
  };
  const tick = (): void => {
    if (closed) return;
    const busy = sweep() * 4 > opts.sweepBatch;
    schedule(busy ? Math.min(opts.sweepIntervalMs, BUSY_SWEEP_DELAY_MS) : opts.sweepIntervalMs);
  };
  if (opts.sweepIntervalMs > 0) schedule(opts.sweepIntervalMs);

  const capabilities: KvCapabilities = Object.freeze({
    pubsub: true,
    cluster: false,
    ttlGranularityMs: 1,
    maxValueBytes: opts.maxValueBytes,
    persistent: false,
    shared: false,
    blocking: false,
  });

  // After close() the store's guard (see `closable`) refuses every call before it gets here.
  const run = <T>(fn: () => T): Promise<T> => {
    try {
      return Promise.resolve(fn());
    } catch (error) {
      return Promise.reject(toKvError(error, name));
    }
  };

  return {
    name,
    capabilities,
    get size() {
      return engine.keyspace.data.size;
    },
    sweep,
    // The two hot paths inline `run`: a closure per call showed in profiles.
    command: (command) => {
      try {
        return Promise.resolve(engine.execute(command.argv));
      } catch (error) {
        return Promise.reject(toKvError(error, name));
      }
    },
    script: (call: ScriptCall) => {
      try {
        return Promise.resolve(engine.script(call));
      } catch (error) {
        return Promise.reject(toKvError(error, name));
      }
    },
    scriptSync: (call: ScriptCall) => {
      try {
        return engine.script(call);
      } catch (error) {
        throw toKvError(error, name);
      }
    },
    batch: (entries: readonly BatchEntry[]) =>
      run(() =>
        entries.map((entry): Reply | Error => {
          try {
            return 'command' in entry ? engine.execute(entry.command.argv) : engine.script(entry.call);
          } catch (error) {
            return toKvError(error, name);
          }
        }),
      ),
    async *scan(request: ScanRequest): AsyncIterable<string[]> {
      const matches = compileGlob(request.match);
      const keyspace = engine.keyspace;
      // A snapshot: keys added during the scan may be missed, as SCAN allows; none is repeated.
      const keys = [...keyspace.data.keys()];
      for (let i = 0; i < keys.length; i += request.count) {
        keyspace.now = clock();
        const page: string[] = [];
        for (const key of keys.slice(i, i + request.count)) {
          const value = keyspace.data.get(key);
          if (value === undefined) continue;
          // SCAN skips expired keys as Redis does (alive through the expiry millisecond).
          if (isExpired(keyspace.expires.get(key), keyspace.now)) continue;
          if (request.type !== undefined && value.type !== request.type) continue;
          if (matches(key)) page.push(key);
        }
        yield page;
      }
    },
    publish: (channel, message) => run(() => pubsub.publish(channel, message)),
    subscribe: (channels, handler): Promise<Subscription> => run(() => pubsub.subscribe(channels, handler)),
    close: async () => {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      pubsub.clear();
    },
  };
}

/**
 * The embedded store: an emulation of Redis 7.0 in memory, with the same replies and error
 * codes as a real server. Lazy expiry plus a bounded periodic sweep; optional LRU `maxKeys`.
 */
export function memoryAdapter(options?: MemoryAdapterOptions): KvStore {
  return createStore(memoryDriver(options));
}

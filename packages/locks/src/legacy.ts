import type { KvStore } from '@raptorflow/core';
import { type Duration, describeValue, invalidArgument, optionError } from '@raptorflow/core/kit';
import type { Lock } from './lock.js';
import { createLocks, type Locks } from './locks.js';

/** The old system's lock calls; see {@link createLegacyLocks}. */
export interface LegacyLocks {
  /**
   * The old `acquire(name, timeout)`: try once to take `name` for `timeout` seconds (its TTL).
   * Resolves `true` when taken, `false` when someone else holds it; a store failure rejects.
   * @param timeout seconds, > 0. @default 30
   */
  acquire(name: string, timeout?: number): Promise<boolean>;
  /**
   * The old `release(name)`: release the lock on `name` this process took with `acquire`.
   * Resolves `true` when released, `false` when this process did not hold it (or it expired).
   */
  release(name: string): Promise<boolean>;
  /**
   * The old scoped form (`async with lock(name, timeout=30)`):
   * `await using _ = await legacy.lock(name, 30)`. Waits for the lock like `Locks.acquire`
   * (the `wait` option of the wrapper), holds it for `timeout` seconds, auto-extended while
   * the block runs, and releases it when the block ends.
   */
  lock(name: string, timeout?: number): Promise<Lock>;
  /** The new API underneath, for code that moves on. */
  readonly locks: Locks;
}

/** Options of {@link createLegacyLocks}. */
export interface LegacyLocksOptions {
  store: KvStore;
  /** Key prefix. @default 'rf:locks:' (the same keys as `createLocks`: old and new code exclude each other) */
  prefix?: string | undefined;
  /** How long the scoped form waits for a held lock. @default '30s' */
  wait?: Duration | undefined;
}

function seconds(where: string, timeout: unknown): number {
  if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0) {
    throw invalidArgument(where, `timeout: expected seconds > 0, got ${describeValue(timeout)}`);
  }
  // Whole ms: the old timeouts were seconds, possibly fractional (0.5).
  return Math.max(1, Math.round(timeout * 1000));
}

/**
 * The old system's lock call shapes on `@raptorflow/locks`, a thin wrapper: `acquire(name,
 * timeout)` / `release(name)` by name (this process remembers the tokens it holds, at most one
 * per name) and the scoped form. New code uses `createLocks` for fencing tokens and signals.
 */
export function createLegacyLocks(options: LegacyLocksOptions): LegacyLocks {
  if (typeof options !== 'object' || options === null) {
    throw optionError('createLegacyLocks', '(options)', `expected an object, got ${describeValue(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (key !== 'store' && key !== 'prefix' && key !== 'wait')
      throw optionError('createLegacyLocks', key, 'is not an option');
  }
  // createLocks checks the values (its messages name the field).
  const locks = createLocks({ store: options.store, prefix: options.prefix, wait: options.wait ?? '30s' });
  const held = new Map<string, Lock>();
  return {
    locks,
    async acquire(name, timeout = 30) {
      const ttl = seconds('acquire', timeout);
      try {
        const lock = await locks.acquire(name, { ttl, wait: 0 });
        held.set(name, lock);
        return true;
      } catch (error) {
        if ((error as { code?: string }).code === 'E_LOCK_HELD') return false;
        throw error;
      }
    },
    async release(name) {
      const lock = held.get(name);
      if (!lock) return false;
      held.delete(name);
      try {
        await lock.release();
        return true;
      } catch (error) {
        if ((error as { code?: string }).code === 'E_LOCK_LOST') return false;
        throw error;
      }
    },
    async lock(name, timeout = 30) {
      return locks.acquire(name, { ttl: seconds('lock', timeout), autoExtend: true });
    },
  };
}

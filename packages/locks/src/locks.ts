import type { KvStore } from '@raptorflow/core';
import {
  describeValue,
  Emitter,
  featureKeyspace,
  invalidArgument,
  requireFailClosed,
} from '@raptorflow/core/kit';
import { type AcquireOptions, type ResolvedAcquire, resolveAcquire } from './call-options.js';
import type { LocksContext, LocksEvents } from './context.js';
import { LOCK_ERRORS } from './errors.js';
import { emitOperation, FEATURE, featureHub, operationStart } from './events.js';
import { lockKeys } from './keys.js';
import { LocalQueue } from './local-queue.js';
import type { Lock } from './lock.js';
import { acquireMutex, type MutexTarget, mutexOps, mutexTarget, releaseByToken } from './mutex.js';
import { type LocksOptions, parseLocksOptions } from './options.js';
import { ownerTokens } from './owner-tokens.js';
import { encodeFencedWriteArgs, FENCED_WRITE } from './scripts/index.js';
import { type Semaphore, semaphore, semaphoreOps } from './semaphore.js';
import { Waker } from './wake.js';

/** What {@link Locks.fencedWrite} returns. */
export interface FencedWriteResult {
  /** The fencing token the key has now seen (this write's). */
  readonly fence: number;
}

/** Mutexes and semaphores on a store; see {@link createLocks}. */
export interface Locks {
  /**
   * Acquire a mutex on `resource`, or on several resources at once (all or none; they must
   * share a group, see `LocksOptions.group`). One round trip when free; while held, waits up to
   * `wait` with exponential backoff and full jitter, woken early by a release where the store
   * has pub/sub. Rejects `E_LOCK_HELD` when the wait runs out, `E_LOCK_ABORTED` when `signal`
   * aborts, or with the store's error (fail-closed).
   */
  acquire(resource: string | readonly string[], options?: AcquireOptions): Promise<Lock>;
  /**
   * Run `fn` while holding the lock, auto-extended by default, and release it afterwards. `fn`
   * gets the lock's `signal`, which aborts when the lock is lost; then `withLock` rejects with
   * that loss (`E_LOCK_LOST` / `E_LOCK_EXPIRED`) even if `fn` resolved, since its work ran
   * without the lock's protection. A failed auto-extension is reported on `events` (`lost`) and
   * the feature-event hub, never as an unhandled rejection.
   */
  withLock<T>(
    resource: string | readonly string[],
    fn: (signal: AbortSignal, lock: Lock) => T | Promise<T>,
    options?: AcquireOptions,
  ): Promise<T>;
  /**
   * Release the mutex on `resource` by its owner token, from any process (a scheduler took the
   * lock and handed `lock.token` to a worker). One round trip. Rejects `E_LOCK_FOREIGN_TOKEN`
   * when another owner holds it and `E_LOCK_LOST` when nobody does.
   */
  release(resource: string | readonly string[], token: string): Promise<void>;
  /** A counting semaphore of `limit` permits on `resource` (`E_INVALID_ARGUMENT` for bad input). */
  semaphore(resource: string, limit: number): Semaphore;
  /**
   * Write `value` at `key` (under the package's prefix) only if `fence` is not older than the
   * newest fencing token the key has seen: one round trip. A holder that paused past its TTL
   * gets `E_LOCK_STALE_FENCE` instead of overwriting its successor's work.
   */
  fencedWrite(key: string, value: string, fence: number): Promise<FencedWriteResult>;
  /** The value a {@link fencedWrite} left at `key` and its fencing token, or `null`. */
  fencedRead(key: string): Promise<{ value: string; fence: number } | null>;
  /** Lost locks of this instance. */
  readonly events: Emitter<LocksEvents>;
  /**
   * Callers of this instance waiting for a held lock right now: asleep between attempts, or
   * queued behind another caller of this instance.
   */
  readonly waiting: number;
  /** Close the pub/sub subscription (the store stays open). Held locks keep their TTL. */
  close(): Promise<void>;
}

/**
 * Mutexes and counting semaphores with fencing tokens on any RaptorFlow KV store (memory,
 * ioredis standalone or Cluster, Upstash): acquire, release and extend are one script each,
 * one round trip.
 *
 * ```ts
 * const locks = createLocks({ store, ttl: '10s' });
 * await using lock = await locks.acquire('invoice:42');
 * await locks.fencedWrite('invoice:42', JSON.stringify(data), lock.fence);
 * ```
 */
export function createLocks(options: LocksOptions): Locks {
  const o = parseLocksOptions(options);
  requireFailClosed(o.store, 'createLocks', 'a lock that falls back to per-process memory protects nothing');
  const space = featureKeyspace(o.store, { feature: FEATURE, prefix: o.prefix });
  const root: KvStore = space.root;
  const ctx: LocksContext = {
    options: o,
    root,
    store: o.store,
    prefix: space.prefix,
    keys: lockKeys(space, o.group),
    hub: featureHub(o.store),
    events: new Emitter<LocksEvents>(),
    waker: new Waker(root),
    nextToken: ownerTokens(),
    local: new LocalQueue(),
  };
  const ttlOf = (value: unknown): number => resolveAcquire('extend', { ttl: value }, o, false).ttl;
  const mutex = mutexOps(ctx, ttlOf);
  const semaphores = semaphoreOps(ctx, ttlOf);
  const { hub } = ctx;

  function acquire(where: string, resource: unknown, options: unknown, autoExtend: boolean): Promise<Lock> {
    let call: ResolvedAcquire;
    let target: MutexTarget;
    try {
      target = mutexTarget(ctx, where, resource);
      call = resolveAcquire(where, options, o, autoExtend);
    } catch (error) {
      // Bad input rejects, as from an async function.
      return Promise.reject(error);
    }
    return acquireMutex(ctx, mutex, where, target, call);
  }

  function dataKey(where: string, key: unknown): string {
    if (typeof key !== 'string' || key === '' || /[{}]/.test(key) || !key.isWellFormed()) {
      throw invalidArgument(
        where,
        `key: expected a non-empty string without { or }, got ${describeValue(key)}`,
      );
    }
    return `${space.tag(key)}:data`;
  }

  return {
    events: ctx.events,
    get waiting() {
      return ctx.waker.sleeping + ctx.local.size;
    },
    acquire: (resource, options) => acquire('acquire', resource, options, false),
    release: async (resource, token) => releaseByToken(ctx, mutexTarget(ctx, 'release', resource), token),
    semaphore: (resource, limit) => semaphore(ctx, semaphores, resource, limit),
    async withLock(resource, fn, options) {
      if (typeof fn !== 'function') {
        throw invalidArgument('withLock', `fn: expected a function, got ${describeValue(fn)}`);
      }
      const lock = await acquire('withLock', resource, options, true);
      let result: Awaited<ReturnType<typeof fn>>;
      try {
        result = await fn(lock.signal, lock);
      } catch (error) {
        // fn's error is the one to see; the lock expires by its TTL if this release fails.
        await lock.release().catch(() => undefined);
        throw error;
      }
      if (lock.signal.aborted) throw lock.signal.reason;
      await lock.release();
      return result;
    },
    async fencedWrite(key, value, fence) {
      if (!Number.isSafeInteger(fence) || fence < 0) {
        throw invalidArgument(
          'fencedWrite',
          `fence: expected a whole number >= 0, got ${describeValue(fence)}`,
        );
      }
      if (typeof value !== 'string') {
        throw invalidArgument('fencedWrite', `value: expected a string, got ${describeValue(value)}`);
      }
      const k = dataKey('fencedWrite', key);
      const started = operationStart(hub);
      let reply: Awaited<ReturnType<typeof FENCED_WRITE.parse>>;
      try {
        reply = await root.eval(FENCED_WRITE, [k], encodeFencedWriteArgs(fence, value));
      } catch (error) {
        emitOperation(hub, 'fenced-write', started, 'error', error);
        throw error;
      }
      if (!reply.written) {
        const error = LOCK_ERRORS.error(
          'E_LOCK_STALE_FENCE',
          `fencedWrite: ${describeValue(key)} has seen fencing token ${reply.fence}, newer than ${fence}`,
        );
        emitOperation(hub, 'fenced-write', started, 'stale', error);
        throw error;
      }
      emitOperation(hub, 'fenced-write', started, 'written');
      return { fence: reply.fence };
    },
    async fencedRead(key) {
      const [value, fence] = await root.hmget(dataKey('fencedRead', key), ['value', 'fence']);
      if (value == null || fence == null) return null;
      return { value, fence: Number(fence) };
    },
    close: () => ctx.waker.close(),
  };
}

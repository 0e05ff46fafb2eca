import type { KvError, KvStore } from '@raptorflow/core';
import {
  COMPARE_AND_EXTEND,
  compareAndExtendArgs,
  describeValue,
  Emitter,
  featureKeyspace,
  invalidArgument,
  optionError,
  randomToken,
  resolvePolicy,
} from '@raptorflow/core/kit';
import { type AcquireOptions, type ResolvedAcquire, resolveAcquire } from './call-options.js';
import { LOCK_ERRORS } from './errors.js';
import { emitOperation, FEATURE, featureHub, operationStart } from './events.js';
import { type LockKeys, lockKeys, type ResourceKeys } from './keys.js';
import { type Lock, LockHandle, type LockOps } from './lock.js';
import { type LocksOptions, parseLocksOptions, type ResolvedLocksOptions } from './options.js';
import {
  ACQUIRE,
  type AcquireReply,
  acquireKeys,
  EXTEND,
  encodeAcquireArgs,
  encodeExtendArgs,
  encodeFencedWriteArgs,
  encodeReleaseArgs,
  FENCED_WRITE,
  RELEASE,
} from './scripts/index.js';
import { Waker } from './wake.js';

/** A lost lock, as {@link Locks.events} reports it. */
export interface LockLostEvent {
  readonly resources: readonly string[];
  readonly token: string;
  readonly fence: number;
  /** `E_LOCK_LOST` or `E_LOCK_EXPIRED`, the same error as the lock's `signal.reason`. */
  readonly error: KvError;
}

/** Events of one {@link Locks} instance. */
export interface LocksEvents extends Record<string, unknown> {
  /** A lock of this instance was lost (found by an extension, a release or its TTL). */
  lost: LockLostEvent;
}

/** What {@link Locks.fencedWrite} returns. */
export interface FencedWriteResult {
  /** The fencing token the key has now seen (this write's). */
  readonly fence: number;
}

/** Mutexes on a store; see {@link createLocks}. */
export interface Locks {
  /**
   * Acquire a mutex on `resource`, or on several resources at once (all or none; they must
   * share a group, see `LocksOptions.group`). One round trip when free; while held, waits up to
   * `wait` with exponential backoff and full jitter, woken early by a release where the store
   * has pub/sub. Rejects `E_LOCK_HELD` when the wait runs out, `E_LOCK_ABORTED` when `signal`
   * aborts, or the store's error (fail-closed).
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
   * Write `value` at `key` (under the package's prefix) only if `fence` is not older than the
   * newest fencing token the key has seen: one round trip. A holder that paused past its TTL
   * gets `E_LOCK_STALE_FENCE` instead of overwriting its successor's work.
   */
  fencedWrite(key: string, value: string, fence: number): Promise<FencedWriteResult>;
  /** The value a {@link fencedWrite} left at `key` and its fencing token, or `null`. */
  fencedRead(key: string): Promise<{ value: string; fence: number } | null>;
  /** Lost locks of this instance. */
  readonly events: Emitter<LocksEvents>;
  /** Callers of this instance asleep between attempts right now (waiting for a held lock). */
  readonly waiting: number;
  /** Close the pub/sub subscription (the store stays open). Held locks keep their TTL. */
  close(): Promise<void>;
}

/** Internal state of a mutex handle. */
interface MutexState {
  readonly keys: readonly ResourceKeys[];
  readonly group: string;
}

/**
 * Mutexes with fencing tokens on any RaptorFlow KV store (memory, ioredis standalone or
 * Cluster, Upstash): acquire, release and extend are one script each, one round trip.
 *
 * ```ts
 * const locks = createLocks({ store, ttl: '10s' });
 * await using lock = await locks.acquire('invoice:42');
 * await locks.fencedWrite('invoice:42', JSON.stringify(data), lock.fence);
 * ```
 */
export function createLocks(options: LocksOptions): Locks {
  const o: ResolvedLocksOptions = parseLocksOptions(options);
  const policy = resolvePolicy(o.store, undefined, 'fail-closed');
  if (policy !== 'fail-closed') {
    throw optionError(
      'createLocks',
      'store',
      `its withFailover layer has policy "${policy}", and a lock that falls back to per-process memory protects nothing: pass store.failover.withPolicy('fail-closed')`,
    );
  }
  const space = featureKeyspace(o.store, { feature: FEATURE, prefix: o.prefix });
  const root: KvStore = space.root;
  const keys: LockKeys = lockKeys(space, o.group);
  const hub = featureHub(o.store);
  const events = new Emitter<LocksEvents>();
  const waker = new Waker(root);

  const ops: LockOps = {
    async release(lock) {
      const { keys: rk, group } = lock.state as MutexState;
      const started = operationStart(hub);
      try {
        const reply = await root.eval(
          RELEASE,
          [keys.waiters(group), ...rk.map((k) => k.lock)],
          encodeReleaseArgs(lock.token),
        );
        if (reply.waiters) waker.notify(group);
        const ok = reply.released === rk.length;
        emitOperation(hub, 'release', started, ok ? 'released' : 'lost');
        return ok;
      } catch (error) {
        emitOperation(hub, 'release', started, 'error', error);
        throw error;
      }
    },
    async extend(lock, ttl) {
      const { keys: rk } = lock.state as MutexState;
      const started = operationStart(hub);
      try {
        const ok =
          rk.length === 1
            ? await root.eval(
                COMPARE_AND_EXTEND,
                [(rk[0] as ResourceKeys).lock],
                compareAndExtendArgs(lock.token, ttl),
              )
            : await root.eval(
                EXTEND,
                rk.map((k) => k.lock),
                encodeExtendArgs(lock.token, ttl),
              );
        emitOperation(hub, 'extend', started, ok ? 'extended' : 'lost');
        return ok;
      } catch (error) {
        emitOperation(hub, 'extend', started, 'error', error);
        throw error;
      }
    },
    ttlOf(value) {
      const ms = resolveAcquire('extend', { ttl: value }, o, false).ttl;
      return ms;
    },
    lost(lock, error) {
      if (hub.has('operation')) emitOperation(hub, 'lost', performance.now(), 'lost', error);
      if (events.has('lost')) {
        events.emit('lost', { resources: lock.resources, token: lock.token, fence: lock.fence, error });
      }
    },
    lossError(lock, code, cause) {
      const what =
        code === 'E_LOCK_LOST' ? 'is no longer held by this owner' : 'expired before it was extended';
      return LOCK_ERRORS.error(code, `lock ${describeValue(lock.resources.join(', '))} ${what}`, { cause });
    },
  };

  function resolveKeys(where: string, resource: unknown): MutexState {
    const list = Array.isArray(resource) ? (resource as unknown[]) : [resource];
    if (list.length === 0) throw invalidArgument(where, 'resource: expected at least one resource');
    const rk = list.map((r) => keys.of(where, r));
    const group = (rk[0] as ResourceKeys).group;
    const seen = new Set<string>();
    for (const k of rk) {
      if (k.group !== group) {
        throw invalidArgument(
          where,
          `resources ${describeValue(rk[0]?.resource)} and ${describeValue(k.resource)} are in different groups (${group}, ${k.group}): resources locked together must share a group (LocksOptions.group), so one script can take them atomically on one Cluster slot`,
        );
      }
      if (seen.has(k.resource))
        throw invalidArgument(where, `resource ${describeValue(k.resource)} is named twice`);
      seen.add(k.resource);
    }
    return { keys: rk, group };
  }

  async function acquire(
    where: string,
    resource: unknown,
    options: unknown,
    autoExtend: boolean,
  ): Promise<Lock> {
    const state = resolveKeys(where, resource);
    const call: ResolvedAcquire = resolveAcquire(where, options, o, autoExtend);
    const { signal, wait, retry, ttl } = call;
    const token = randomToken();
    const scriptKeys = acquireKeys(keys.waiters(state.group), state.keys);
    const args = encodeAcquireArgs(token, ttl, wait > 0);
    const started = operationStart(hub);
    const deadline = Date.now() + wait;
    let attempts = 0;
    try {
      for (;;) {
        if (signal?.aborted) {
          throw LOCK_ERRORS.error(
            'E_LOCK_ABORTED',
            `${where}: the signal aborted the wait for ${describeValue(state.keys.map((k) => k.resource).join(', '))}`,
            { cause: signal.reason },
          );
        }
        const sentAt = Date.now();
        const reply: AcquireReply = await root.eval(ACQUIRE, scriptKeys, args);
        attempts++;
        if (reply.acquired) {
          const lock = new LockHandle(ops, {
            resources: state.keys.map((k) => k.resource),
            token,
            fences: reply.fences,
            ttl,
            startedAt: sentAt,
            autoExtend: call.autoExtend,
            state,
          });
          emitOperation(hub, 'acquire', started, 'acquired', undefined, { attempts, fence: lock.fence });
          return lock;
        }
        const left = deadline - Date.now();
        if (left <= 0) {
          throw LOCK_ERRORS.error(
            'E_LOCK_HELD',
            `${where}: ${describeValue(state.keys.map((k) => k.resource).join(', '))} is held by another owner${wait > 0 ? ` (waited ${wait} ms)` : ''}`,
          );
        }
        // Just subscribed: a release may have been announced before, so look again at once.
        if (await waker.ready()) continue;
        const cap = Math.min(retry.maxDelay, retry.minDelay * 2 ** Math.min(attempts - 1, 30));
        const delay = Math.max(1, Math.floor(Math.random() * cap));
        await waker.sleep(state.group, Math.min(delay, left), signal);
      }
    } catch (error) {
      emitOperation(
        hub,
        'acquire',
        started,
        (error as KvError).code === 'E_LOCK_HELD' ? 'held' : 'error',
        error,
        { attempts },
      );
      throw error;
    }
  }

  return {
    events,
    get waiting() {
      return waker.sleeping;
    },
    acquire: (resource, options) => acquire('acquire', resource, options, false),
    async withLock(resource, fn, options) {
      if (typeof fn !== 'function')
        throw invalidArgument('withLock', `fn: expected a function, got ${describeValue(fn)}`);
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
      if (typeof value !== 'string')
        throw invalidArgument('fencedWrite', `value: expected a string, got ${describeValue(value)}`);
      const k = dataKey('fencedWrite', key);
      const started = operationStart(hub);
      const reply = await root
        .eval(FENCED_WRITE, [k], encodeFencedWriteArgs(fence, value))
        .catch((error: unknown) => {
          emitOperation(hub, 'fenced-write', started, 'error', error);
          throw error;
        });
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
    close: () => waker.close(),
  };

  function dataKey(where: string, key: unknown): string {
    if (typeof key !== 'string' || key === '' || /[{}]/.test(key) || !key.isWellFormed()) {
      throw invalidArgument(
        where,
        `key: expected a non-empty string without { or }, got ${describeValue(key)}`,
      );
    }
    return `${space.tag(key)}:data`;
  }
}

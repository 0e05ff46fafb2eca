import { describeValue, invalidArgument } from '@raptorflow/core/kit';
import { type AcquireOptions, resolveAcquire } from './call-options.js';
import { type LocksContext, lossError, reportLost } from './context.js';
import { emitOperation, operationStart } from './events.js';
import type { ResourceKeys } from './keys.js';
import { type Lock, LockHandle, type LockOps } from './lock.js';
import {
  encodeSemaphoreAcquireArgs,
  encodeSemaphoreExtendArgs,
  encodeSemaphoreReleaseArgs,
  SEMAPHORE_ACQUIRE,
  SEMAPHORE_EXTEND,
  SEMAPHORE_RELEASE,
} from './scripts/index.js';
import { acquireWithRetry } from './wait.js';

/** Options of one {@link Semaphore.acquire}: a lock's, plus how many permits. */
export interface SemaphoreAcquireOptions extends AcquireOptions {
  /** Permits to take at once, 1 to the semaphore's limit. @default 1 */
  permits?: number | undefined;
}

/** A counting semaphore: at most `limit` permits held at once; see {@link Locks.semaphore}. */
export interface Semaphore {
  /** The resource. */
  readonly resource: string;
  /** Permits in all. */
  readonly limit: number;
  /**
   * Take `permits` (default 1): one round trip when free; waits like a mutex otherwise. The
   * returned lock releases and extends exactly those permits; its `fence` grows with every
   * acquisition of the resource. Expiry is decided on the store's clock (TIME in the script).
   */
  acquire(options?: SemaphoreAcquireOptions): Promise<Lock>;
}

/** Release and extend of semaphore handles: one script each, by the owner's token. */
export function semaphoreOps(ctx: LocksContext, ttlOf: (value: unknown) => number): LockOps {
  const { root, hub, keys, waker } = ctx;
  return {
    async release(lock) {
      const k = lock.state as ResourceKeys;
      const started = operationStart(hub);
      try {
        const reply = await root.eval(
          SEMAPHORE_RELEASE,
          [k.holders, k.permits, keys.waiters(k.group)],
          encodeSemaphoreReleaseArgs(lock.token),
        );
        if (reply.waiters) waker.notify(k.group);
        emitOperation(hub, 'release', started, reply.released ? 'released' : 'lost');
        return reply.released;
      } catch (error) {
        emitOperation(hub, 'release', started, 'error', error);
        throw error;
      }
    },
    async extend(lock, ttl) {
      const k = lock.state as ResourceKeys;
      const started = operationStart(hub);
      try {
        const reply = await root.eval(
          SEMAPHORE_EXTEND,
          [k.holders, k.permits],
          encodeSemaphoreExtendArgs(lock.token, ttl),
        );
        emitOperation(hub, 'extend', started, reply.extended ? 'extended' : 'lost');
        return reply.extended;
      } catch (error) {
        emitOperation(hub, 'extend', started, 'error', error);
        throw error;
      }
    },
    ttlOf,
    lost: (lock, error) => reportLost(ctx, lock, error),
    lossError,
  };
}

/** A {@link Semaphore} on `resource` of `limit` permits. */
export function semaphore(ctx: LocksContext, ops: LockOps, resource: unknown, limit: unknown): Semaphore {
  const where = 'semaphore';
  const k = ctx.keys.of(where, resource);
  if (!Number.isSafeInteger(limit) || (limit as number) < 1) {
    throw invalidArgument(where, `limit: expected a whole number >= 1, got ${describeValue(limit)}`);
  }
  const max = limit as number;
  return {
    resource: k.resource,
    limit: max,
    async acquire(options) {
      if (options !== undefined && (typeof options !== 'object' || options === null)) {
        throw invalidArgument(
          'semaphore.acquire',
          `options: expected an object, got ${describeValue(options)}`,
        );
      }
      const { permits = 1, ...rest } = options ?? {};
      if (!Number.isSafeInteger(permits) || permits < 1 || permits > max) {
        throw invalidArgument(
          'semaphore.acquire',
          `permits: expected a whole number from 1 to ${max}, got ${describeValue(permits)}`,
        );
      }
      const call = resolveAcquire('semaphore.acquire', rest, ctx.options, false);
      const token = ctx.nextToken();
      const args = encodeSemaphoreAcquireArgs(token, call.ttl, max, permits, call.wait > 0);
      const scriptKeys = [k.holders, k.permits, k.fence, ctx.keys.waiters(k.group)];
      return acquireWithRetry(ctx, {
        where: 'semaphore.acquire',
        what: `${permits} of ${max} permits of ${k.resource}`,
        group: k.group,
        call,
        attempt: async (sentAt) => {
          const reply = await ctx.root.eval(SEMAPHORE_ACQUIRE, scriptKeys, args);
          if (!reply.acquired) return undefined;
          return new LockHandle(ops, {
            resources: [k.resource],
            token,
            fences: [reply.fence],
            ttl: call.ttl,
            startedAt: sentAt,
            autoExtend: call.autoExtend,
            state: k,
          });
        },
      });
    },
  };
}

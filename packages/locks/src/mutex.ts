import {
  COMPARE_AND_EXTEND,
  compareAndExtendArgs,
  describeValue,
  invalidArgument,
} from '@raptorflow/core/kit';
import type { ResolvedAcquire } from './call-options.js';
import { type LocksContext, lossError, reportLost } from './context.js';
import { LOCK_ERRORS } from './errors.js';
import { emitOperation, operationStart } from './events.js';
import type { ResourceKeys } from './keys.js';
import { LockHandle, type LockOps } from './lock.js';
import {
  ACQUIRE,
  type AcquireReply,
  acquireKeys,
  EXTEND,
  encodeAcquireArgs,
  encodeExtendArgs,
  encodeReleaseArgs,
  RELEASE,
} from './scripts/index.js';
import { acquireWithRetry, type RetryFrom } from './wait.js';

/** The resources of one mutex, checked: one group, no duplicates. */
export interface MutexTarget {
  readonly keys: readonly ResourceKeys[];
  readonly group: string;
  /** Its key in the instance's local queue. */
  readonly gate: string;
  /** The resources' names, in order. */
  readonly resources: readonly string[];
  /**
   * KEYS of `ACQUIRE`, `RELEASE` and the extend scripts on `ctx.store` (the feature's prefix
   * included), built once per target and frozen: the store checks a frozen key list once.
   */
  readonly acquireKeys: readonly string[];
  readonly releaseKeys: readonly string[];
  readonly lockKeys: readonly string[];
}

// Targets of single resources, by name: building the key lists per call cost more than the
// rest of acquire + release on memory. Bounded like the key cache.
const SINGLE = new WeakMap<LocksContext, Map<string, MutexTarget>>();

/** Check and resolve `resource` (a name or a list of names of one group). */
export function mutexTarget(ctx: LocksContext, where: string, resource: unknown): MutexTarget {
  if (typeof resource === 'string') {
    let cache = SINGLE.get(ctx);
    if (!cache) {
      cache = new Map();
      SINGLE.set(ctx, cache);
    }
    const hit = cache.get(resource);
    if (hit) return hit;
    const target = buildTarget(ctx, where, resource);
    if (cache.size >= 10_000) cache.delete(cache.keys().next().value as string);
    cache.set(resource, target);
    return target;
  }
  return buildTarget(ctx, where, resource);
}

function buildTarget(ctx: LocksContext, where: string, resource: unknown): MutexTarget {
  const list = Array.isArray(resource) ? (resource as unknown[]) : [resource];
  if (list.length === 0) throw invalidArgument(where, 'resource: expected at least one resource');
  const rk = list.map((r) => ctx.keys.of(where, r));
  const group = (rk[0] as ResourceKeys).group;
  const seen = new Set<string>();
  for (const k of rk) {
    if (k.group !== group) {
      throw invalidArgument(
        where,
        `resources ${describeValue(rk[0]?.resource)} and ${describeValue(k.resource)} are in different groups (${group}, ${k.group}): resources locked together must share a group (LocksOptions.group), so one script takes them atomically on one Cluster slot`,
      );
    }
    if (seen.has(k.resource))
      throw invalidArgument(where, `resource ${describeValue(k.resource)} is named twice`);
    seen.add(k.resource);
  }
  return {
    keys: rk,
    group,
    gate: rk.length === 1 ? (rk[0] as ResourceKeys).lock : rk.map((k) => k.lock).join('\u0000'),
    resources: rk.map((k) => k.resource),
    acquireKeys: full(ctx, acquireKeys(ctx.keys.waiters(group), rk)),
    releaseKeys: full(ctx, [ctx.keys.waiters(group), ...rk.map((k) => k.lock)]),
    lockKeys: full(
      ctx,
      rk.map((k) => k.lock),
    ),
  };
}

/** Keys of the namespace view as keys of the store it wraps, frozen. */
function full(ctx: LocksContext, keys: readonly string[]): readonly string[] {
  return Object.freeze(keys.map((k) => ctx.prefix + k));
}

/** Release and extend of mutex handles: one script each, by the owner's token. */
export function mutexOps(ctx: LocksContext, ttlOf: (value: unknown) => number): LockOps {
  const { store, hub, waker } = ctx;
  return {
    release(lock) {
      const { keys: rk, group, releaseKeys } = lock.state as MutexTarget;
      const started = operationStart(hub);
      // No async frame of its own: this is half of every acquire + release.
      return store.eval(RELEASE, releaseKeys, encodeReleaseArgs(lock.token)).then(
        (reply) => {
          if (reply.waiters) waker.notify(group);
          const ok = reply.released === rk.length;
          emitOperation(hub, 'release', started, ok ? 'released' : 'lost');
          return ok;
        },
        (error: unknown) => {
          emitOperation(hub, 'release', started, 'error', error);
          throw error;
        },
      );
    },
    async extend(lock, ttl) {
      const { lockKeys } = lock.state as MutexTarget;
      const started = operationStart(hub);
      try {
        // One resource: core's compare-and-extend as it is; several: the same, all or none.
        const ok =
          lockKeys.length === 1
            ? await store.eval(COMPARE_AND_EXTEND, lockKeys, compareAndExtendArgs(lock.token, ttl))
            : await store.eval(EXTEND, lockKeys, encodeExtendArgs(lock.token, ttl));
        emitOperation(hub, 'extend', started, ok ? 'extended' : 'lost');
        return ok;
      } catch (error) {
        emitOperation(hub, 'extend', started, 'error', error);
        throw error;
      }
    },
    ttlOf,
    lost: (lock, error) => reportLost(ctx, lock, error),
    ended: (lock) => ctx.local.leave((lock.state as MutexTarget).gate),
    lossError,
  };
}

/**
 * Acquire a mutex on `target`: first the instance's local queue (no round trip while another
 * caller of this instance holds it), then the store, one round trip per attempt, the fencing
 * tokens from the same script.
 */
export function acquireMutex(
  ctx: LocksContext,
  ops: LockOps,
  where: string,
  target: MutexTarget,
  call: ResolvedAcquire,
): Promise<LockHandle> {
  // The usual case, no other local caller: no async frame of its own (the hot path).
  if (ctx.local.tryEnter(target.gate)) return entered(ctx, ops, where, target, call);
  return acquireQueued(ctx, ops, where, target, call);
}

async function acquireQueued(
  ctx: LocksContext,
  ops: LockOps,
  where: string,
  target: MutexTarget,
  call: ResolvedAcquire,
): Promise<LockHandle> {
  const started = operationStart(ctx.hub);
  const deadline = Date.now() + call.wait;
  if (!(await ctx.local.wait(target.gate, call.wait, call.signal))) {
    const what = describeValue(target.keys.map((k) => k.resource).join(', '));
    const error = call.signal?.aborted
      ? LOCK_ERRORS.error('E_LOCK_ABORTED', `${where}: the signal aborted the wait for ${what}`, {
          cause: call.signal.reason,
        })
      : LOCK_ERRORS.error(
          'E_LOCK_HELD',
          `${where}: ${what} is held by another owner${call.wait > 0 ? ` (waited ${call.wait} ms)` : ''}`,
        );
    emitOperation(ctx.hub, 'acquire', started, error.code === 'E_LOCK_HELD' ? 'held' : 'error', error, {
      attempts: 0,
    });
    throw error;
  }
  return entered(ctx, ops, where, target, { ...call, wait: Math.max(0, deadline - Date.now()) });
}

/** In the local gate: acquire in the store, and leave the gate if that fails. */
function entered(
  ctx: LocksContext,
  ops: LockOps,
  where: string,
  target: MutexTarget,
  call: ResolvedAcquire,
): Promise<LockHandle> {
  const leave = (error: unknown): never => {
    ctx.local.leave(target.gate);
    throw error;
  };
  try {
    return acquireRemote(ctx, ops, where, target, call).then(undefined, leave);
  } catch (error) {
    return Promise.reject(error).then(undefined, leave);
  }
}

const FIRST_ATTEMPT: Readonly<Record<string, unknown>> = Object.freeze({ attempts: 1 });

function acquireRemote(
  ctx: LocksContext,
  ops: LockOps,
  where: string,
  target: MutexTarget,
  call: ResolvedAcquire,
): Promise<LockHandle> {
  const token = ctx.nextToken();
  const scriptKeys = target.acquireKeys;
  const args = encodeAcquireArgs(token, call.ttl, call.wait > 0);
  const grant = (reply: AcquireReply, sentAt: number): LockHandle | undefined =>
    reply.acquired
      ? new LockHandle(ops, {
          resources: target.resources,
          token,
          fences: reply.fences,
          ttl: call.ttl,
          startedAt: sentAt,
          autoExtend: call.autoExtend,
          state: target,
        })
      : undefined;
  const retry = (from?: RetryFrom): Promise<LockHandle> =>
    acquireWithRetry(
      ctx,
      {
        where,
        what: target,
        group: target.group,
        call,
        attempt: async (sentAt) => grant(await ctx.store.eval(ACQUIRE, scriptKeys, args), sentAt),
      },
      from,
    );
  // An aborted signal is the retry loop's to report; otherwise the first attempt is sent from
  // here, and the loop (with its closures) is built only once it is refused.
  if (call.signal?.aborted) return retry();
  const { hub } = ctx;
  const started = operationStart(hub);
  const sentAt = Date.now();
  return ctx.store.eval(ACQUIRE, scriptKeys, args).then(
    (reply) => {
      const lock = grant(reply, sentAt);
      if (lock === undefined) return retry({ started, deadline: sentAt + call.wait, attempts: 1 });
      emitOperation(hub, 'acquire', started, 'acquired', undefined, FIRST_ATTEMPT);
      return lock;
    },
    (error: unknown) => {
      emitOperation(hub, 'acquire', started, 'error', error, FIRST_ATTEMPT);
      throw error;
    },
  );
}

/**
 * Release the mutex on `target` by an owner token known from elsewhere (another process took
 * the lock and handed its token over). One round trip; `E_LOCK_FOREIGN_TOKEN` when another
 * owner holds a resource, `E_LOCK_LOST` when a resource is not locked at all.
 */
export async function releaseByToken(ctx: LocksContext, target: MutexTarget, token: unknown): Promise<void> {
  if (typeof token !== 'string' || token === '') {
    throw invalidArgument('release', `token: expected a non-empty string, got ${describeValue(token)}`);
  }
  const names = describeValue(target.keys.map((k) => k.resource).join(', '));
  const reply = await ctx.store.eval(RELEASE, target.releaseKeys, encodeReleaseArgs(token));
  if (reply.waiters) ctx.waker.notify(target.group);
  if (reply.foreign > 0) {
    throw LOCK_ERRORS.error(
      'E_LOCK_FOREIGN_TOKEN',
      `release: ${names} is held by another owner than this token`,
    );
  }
  if (reply.released < target.keys.length) {
    throw LOCK_ERRORS.error('E_LOCK_LOST', `release: ${names} is not locked (it expired or was released)`);
  }
}

import { isKvError, type KvStore, memoryAdapter, withFailover } from '@raptorflow/core';
import { type FeatureEvent, featureEvents } from '@raptorflow/core/kit';
import { expectCode, randomPrefix, storeMatrix, until } from '@raptorflow/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocks, type Locks } from '../src/index.js';

// memory, ioredis, ioredis Cluster (3 masters), Upstash through the local REST server.
describe.each(storeMatrix())('$name', ({ create }) => {
  let store: KvStore;
  let locks: Locks;
  beforeAll(async () => {
    // A random namespace per file and store: the Redis entries share one server with other files.
    store = (await create()).namespace(randomPrefix());
    locks = createLocks({ store, ttl: '30s', wait: 0 });
  });
  afterAll(() => locks.close());

  it('acquires once, refuses a second owner with E_LOCK_HELD, and hands out growing fences', async () => {
    const first = await locks.acquire('invoice');
    expect(first.token).toMatch(/^[0-9a-f]{24}[0-9a-z]+$/);
    expect(first.held).toBe(true);
    expect(await store.get('rf:locks:{invoice}:lock')).toBe(first.token);
    await expectCode(locks.acquire('invoice'), 'E_LOCK_HELD');
    await first.release();
    expect(first.held).toBe(false);
    expect(await store.get('rf:locks:{invoice}:lock')).toBeNull();
    const second = await locks.acquire('invoice');
    expect(second.fence).toBe(first.fence + 1);
    expect(second.token).not.toBe(first.token);
    await second.release();
    // The counter outlives the locks: no TTL, so tokens are never handed out twice.
    expect(await store.pttl('rf:locks:{invoice}:fence')).toBe(-1);
  });

  it('releases twice without harm, and reports a lock someone else took as lost', async () => {
    const lock = await locks.acquire('lost', { ttl: '30s' });
    await lock.release();
    await lock.release();
    const again = await locks.acquire('lost');
    // Simulate expiry and a new owner: the key now holds another token.
    await store.set('rf:locks:{lost}:lock', 'someone-else');
    const seen: string[] = [];
    const off = locks.events.on('lost', (e) => seen.push(`${e.resources.join()}:${e.error.code}`));
    await expectCode(again.release(), 'E_LOCK_LOST');
    off();
    expect(again.signal.aborted).toBe(true);
    expect(isKvError(again.signal.reason) && again.signal.reason.code).toBe('E_LOCK_LOST');
    expect(seen).toEqual(['lost:E_LOCK_LOST']);
    // Never deletes what is not ours.
    expect(await store.get('rf:locks:{lost}:lock')).toBe('someone-else');
  });

  it('extend sets the TTL to ms from now, and never re-creates an expired lock', async () => {
    const lock = await locks.acquire('ext', { ttl: '30s' });
    await lock.extend(120_000);
    const pttl = await store.pttl('rf:locks:{ext}:lock');
    expect(pttl).toBeGreaterThan(30_000);
    expect(pttl).toBeLessThanOrEqual(120_000);
    await lock.extend('5s');
    expect(await store.pttl('rf:locks:{ext}:lock')).toBeLessThanOrEqual(5_000);
    await store.del('rf:locks:{ext}:lock'); // as if it expired
    await expectCode(lock.extend(), 'E_LOCK_LOST');
    expect(await store.exists('rf:locks:{ext}:lock')).toBe(0);
    expect(lock.signal.aborted).toBe(true);
    await expectCode(lock.extend(), 'E_LOCK_LOST');
  });

  it('await using releases at the end of the block', async () => {
    {
      await using lock = await locks.acquire('scoped');
      expect(await store.get('rf:locks:{scoped}:lock')).toBe(lock.token);
    }
    expect(await store.get('rf:locks:{scoped}:lock')).toBeNull();
  });

  it('a waiter of another instance is woken by the release (pub/sub), not by its backoff', async () => {
    const other = createLocks({ store, ttl: '30s' });
    const holder = await locks.acquire('wake');
    // A 60 s backoff: only the release's wake-up (or the re-check right after subscribing)
    // can let the waiter in before the test's own timeout.
    const waiting = other.acquire('wake', { wait: '2m', retry: { minDelay: '1m', maxDelay: '1m' } });
    // Asleep: it failed, subscribed, looked again, and now only a message can wake it early.
    await until(() => other.waiting === 1);
    await holder.release();
    const next = await waiting;
    expect(next.fence).toBe(holder.fence + 1);
    await next.release();
    await other.close();
  });

  it('callers of one instance queue locally, in order, and each gets the lock in turn', async () => {
    const first = await locks.acquire('queue');
    const order: number[] = [];
    const waiters = [1, 2, 3].map((n) =>
      locks.acquire('queue', { wait: '1m' }).then(async (lock) => {
        order.push(n);
        await lock.release();
        return lock.fence;
      }),
    );
    await until(() => locks.waiting === 3);
    // Queued in the process: no waiters flag in the store, no attempt made.
    expect(await store.exists('rf:locks:{queue}:waiters')).toBe(0);
    await first.release();
    const fences = await Promise.all(waiters);
    expect(order).toEqual([1, 2, 3]);
    expect(fences).toEqual([first.fence + 1, first.fence + 2, first.fence + 3]);
  });

  it('stops waiting when its signal aborts, queued locally or polling the store', async () => {
    const other = createLocks({ store, ttl: '30s' });
    const holder = await locks.acquire('abort');
    const local = new AbortController();
    const remote = new AbortController();
    const waitingHere = locks.acquire('abort', { wait: '2m', signal: local.signal });
    const waitingThere = other.acquire('abort', { wait: '2m', signal: remote.signal });
    await until(async () => locks.waiting === 1 && (await store.exists('rf:locks:{abort}:waiters')) === 1);
    local.abort();
    remote.abort();
    await expectCode(waitingHere, 'E_LOCK_ABORTED');
    await expectCode(waitingThere, 'E_LOCK_ABORTED');
    // The aborted local waiter left the queue: the lock passes on normally.
    await holder.release();
    await (await locks.acquire('abort')).release();
    await other.close();
  });

  it('locks several resources of one group atomically, all or none', async () => {
    const grouped = createLocks({ store, wait: 0, group: (r) => r.split('/')[0] as string });
    const both = await grouped.acquire(['acct/1', 'acct/2']);
    expect(both.fences).toHaveLength(2);
    await expectCode(grouped.acquire('acct/2'), 'E_LOCK_HELD');
    expect(await store.get('rf:locks:{acct}:acct/1:lock')).toBe(both.token);
    await both.extend('40s');
    await both.release();
    const one = await grouped.acquire('acct/2');
    // acct/1 is free but acct/2 is held: nothing is taken.
    await expectCode(grouped.acquire(['acct/1', 'acct/2']), 'E_LOCK_HELD');
    expect(await store.exists('rf:locks:{acct}:acct/1:lock')).toBe(0);
    await one.release();
    await expectCode(grouped.acquire(['acct/1', 'other/1']), 'E_INVALID_ARGUMENT');
    await expectCode(grouped.acquire(['acct/1', 'acct/1']), 'E_INVALID_ARGUMENT');
  });

  it('withLock runs fn under the lock and releases it, also when fn throws', async () => {
    const result = await locks.withLock('with', async (signal, lock) => {
      expect(signal.aborted).toBe(false);
      expect(await store.get('rf:locks:{with}:lock')).toBe(lock.token);
      return 42;
    });
    expect(result).toBe(42);
    expect(await store.get('rf:locks:{with}:lock')).toBeNull();
    await expect(
      locks.withLock('with', () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await store.get('rf:locks:{with}:lock')).toBeNull();
  });

  it('a fenced write refuses a token older than one already seen', async () => {
    const a = await locks.acquire('doc');
    await a.release();
    const b = await locks.acquire('doc');
    expect(await locks.fencedWrite('doc', 'from b', b.fence)).toEqual({ fence: b.fence });
    await expectCode(locks.fencedWrite('doc', 'from a', a.fence), 'E_LOCK_STALE_FENCE');
    expect(await locks.fencedRead('doc')).toEqual({ value: 'from b', fence: b.fence });
    await b.release();
  });

  it('releases by token from elsewhere: foreign and missing locks have their own codes', async () => {
    const lock = await locks.acquire('handed');
    await expectCode(locks.release('handed', 'not-the-token'), 'E_LOCK_FOREIGN_TOKEN');
    expect(await store.get('rf:locks:{handed}:lock')).toBe(lock.token);
    await locks.release('handed', lock.token);
    expect(await store.get('rf:locks:{handed}:lock')).toBeNull();
    await expectCode(locks.release('handed', lock.token), 'E_LOCK_LOST');
    await expectCode(locks.release('handed', '' as never), 'E_INVALID_ARGUMENT');
  });

  it('reports each call on the feature-event hub of the underlying store', async () => {
    const seen: FeatureEvent[] = [];
    const off = featureEvents(store).on('operation', (e) => {
      if (e.feature === 'locks') seen.push(e);
    });
    try {
      const lock = await locks.acquire('events');
      await expectCode(locks.acquire('events'), 'E_LOCK_HELD');
      await lock.extend();
      await lock.release();
    } finally {
      off();
    }
    expect(seen.map((e) => [e.operation, e.outcome, e.error])).toEqual([
      ['acquire', 'acquired', undefined],
      ['acquire', 'held', 'E_LOCK_HELD'],
      ['extend', 'extended', undefined],
      ['release', 'released', undefined],
    ]);
    expect(seen[0]?.detail).toEqual({ attempts: 1 });
  });

  it('refuses bad arguments before any round trip, as rejections', async () => {
    for (const resource of ['', 'a{b', 'c}', 42, undefined, []]) {
      await expectCode(locks.acquire(resource as never), 'E_INVALID_ARGUMENT');
    }
    for (const options of [{ ttl: 0 }, { ttl: '1.5ms' }, { wait: -1 }, { signal: 'x' }, { tll: 5 }, 'x']) {
      await expectCode(locks.acquire('x', options as never), 'E_INVALID_ARGUMENT');
    }
    await expectCode(locks.fencedWrite('x', 'v', 1.5), 'E_INVALID_ARGUMENT');
    await expectCode(locks.withLock('x', 'nope' as never), 'E_INVALID_ARGUMENT');
    expect(await store.exists('rf:locks:{x}:lock')).toBe(0);
  });
});

describe('options', () => {
  const store = memoryAdapter({ sweepIntervalMs: 0 });
  afterAll(() => store.close());

  it('names the bad field in E_INVALID_OPTIONS', () => {
    const bad: Array<[unknown, string]> = [
      [{}, 'createLocks: store: must be a KvStore'],
      [{ store, ttl: '1.5ms' }, 'createLocks: ttl: expected a whole number of milliseconds'],
      [{ store, ttl: 0 }, 'createLocks: ttl: expected a duration >= 1 ms'],
      [{ store, wait: -1 }, 'createLocks: wait: expected a duration >= 0 ms'],
      [{ store, tll: '1m' }, 'createLocks: tll: is not an option'],
      [{ store, prefix: '{x}' }, 'locks: prefix: must be a string without { or }'],
      [{ store: withFailover(store) }, 'createLocks: store: its withFailover layer has policy "fallback"'],
    ];
    for (const [options, message] of bad) {
      expect(() => createLocks(options as never)).toThrowError(
        expect.objectContaining({ code: 'E_INVALID_OPTIONS', message: expect.stringContaining(message) }),
      );
    }
    // A fail-closed view of the same failover layer is accepted.
    expect(() =>
      createLocks({ store: withFailover(store).failover.withPolicy('fail-closed') }),
    ).not.toThrow();
  });
});

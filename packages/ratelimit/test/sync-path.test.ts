import { instrument, type KvStore, memoryAdapter, withFailover, withL1 } from '@raptorflow/core';
import { createStore, type KvDriver, memoryDriver } from '@raptorflow/core/driver';
import { type FeatureEvent, featureEvents } from '@raptorflow/core/kit';
import { describe, expect, it } from 'vitest';
import { createRateLimiter, type RateLimiterOptions, type RateLimitResult } from '../src/index.js';
import { ALGORITHM_NAMES } from '../src/scripts/index.js';

/*
 * On a store whose whole driver chain runs scripts in-process (memory, namespace views) the
 * limiter takes core's `evalSync`: the same envelope twin, answered in the call. These tests pin
 * that it is the same mechanism as the async path (the same results, step by step, on a fake
 * clock), that any layer in between puts the limiter back on the async path, and that a call
 * is one script run and one resolved promise.
 */

const T0 = 1_700_000_000_000;

/** A memory store, with `evalSync` (sync) or behind `instrument` (no `evalSync`: the async path). */
function pair(clock: () => number): { sync: KvStore; async: KvStore } {
  const sync = memoryAdapter({ clock, sweepIntervalMs: 0 });
  const async = instrument(memoryAdapter({ clock, sweepIntervalMs: 0 }));
  return { sync, async };
}

/** The result without `pending` and `error` (promises and error objects differ by identity). */
function plain(r: RateLimitResult): unknown {
  const { pending: _p, error, ...rest } = r;
  return { ...rest, error: error?.code };
}

/** Settle `p` and describe it: its plain result or its error code. */
async function settle(p: Promise<RateLimitResult>): Promise<unknown> {
  try {
    return plain(await p);
  } catch (error) {
    return { rejected: (error as { code?: string }).code };
  }
}

describe('the synchronous memory path', () => {
  it('memory stores and their views have evalSync; failover, instrument and L1 stacks do not', async () => {
    const store = memoryAdapter({ sweepIntervalMs: 0 });
    expect(store.evalSync).toBeTypeOf('function');
    expect(store.namespace('a:').namespace('b:').evalSync).toBeTypeOf('function');
    const layered = [
      withFailover(memoryAdapter({ sweepIntervalMs: 0 })),
      instrument(memoryAdapter({ sweepIntervalMs: 0 })),
      withL1(memoryAdapter({ sweepIntervalMs: 0 }), { max: 10 }),
    ];
    for (const s of layered) {
      expect(s.evalSync, s.name).toBeUndefined();
      expect(s.namespace('x:').evalSync, s.name).toBeUndefined();
    }
    await Promise.all([store, ...layered].map((s) => s.close()));
  });

  for (const algorithm of ALGORITHM_NAMES) {
    it(`${algorithm}: the same results as the async path, call by call, on a fake clock`, async () => {
      let now = T0;
      const { sync, async } = pair(() => now);
      const options: Omit<RateLimiterOptions, 'store'> = {
        algorithm,
        limits: [
          { name: 'short', limit: 3, window: '1s' },
          { name: 'long', limit: 5, window: '10s' },
        ],
        block: { after: 3, duration: '2s' },
        blockCache: false,
      };
      const a = createRateLimiter({ ...options, store: sync });
      const b = createRateLimiter({ ...options, store: async });
      const steps: Array<(l: typeof a) => Promise<RateLimitResult>> = [];
      for (let i = 0; i < 40; i++) {
        const id = `id-${i % 3}`;
        const kind = i % 7;
        if (kind === 3) steps.push((l) => l.peek(id));
        else if (kind === 5) steps.push((l) => l.limit(id, { cost: 2 }));
        else if (kind === 6) steps.push((l) => l.limit(id, { limit: [4, 6] }));
        else steps.push((l) => l.limit(id));
      }
      // A bad call is refused the same way on both paths.
      steps.push((l) => l.limit('id-0', { cost: 0.5 }));
      for (let i = 0; i < steps.length; i++) {
        const step = steps[i] as (typeof steps)[number];
        expect(await settle(step(a)), `step ${i}`).toEqual(await settle(step(b)));
        now += 137;
      }
      // The stored state is the same too.
      for (const id of ['id-0', 'id-1', 'id-2']) {
        for (const key of a.keys(id)) {
          // A string, or the size of sliding-log's sorted set.
          const state = (s: KvStore) => s.get(key).catch(() => s.zcard(key));
          expect(await state(sync)).toBe(await state(async));
          expect(await sync.pttl(key)).toBe(await async.pttl(key));
        }
      }
      await Promise.all([sync.close(), async.close()]);
    });
  }

  it('a call is one in-process script run and settles after one microtask', async () => {
    const inner = memoryDriver({ sweepIntervalMs: 0 });
    const count = { script: 0, scriptSync: 0, command: 0 };
    // A counting driver that passes every call on, scriptSync included.
    const counting: KvDriver = {
      ...inner,
      name: inner.name,
      capabilities: inner.capabilities,
      command: (c) => {
        count.command++;
        return inner.command(c);
      },
      script: (c) => {
        count.script++;
        return inner.script(c);
      },
      scriptSync: (c) => {
        count.scriptSync++;
        return (inner.scriptSync as NonNullable<KvDriver['scriptSync']>)(c);
      },
      batch: (e) => inner.batch(e),
      scan: (r) => inner.scan(r),
      close: () => inner.close(),
    };
    const store = createStore(counting);
    const limiter = createRateLimiter({
      store: store.namespace('app:'),
      limit: 2,
      window: '1m',
      blockCache: false,
    });
    for (let i = 0; i < 5; i++) {
      let settled: RateLimitResult | undefined;
      const p = limiter.limit('alice').then((r) => {
        settled = r;
      });
      expect(settled).toBeUndefined();
      await Promise.resolve();
      expect(settled?.allowed).toBe(i < 2);
      await p;
    }
    await limiter.peek('alice');
    expect(count).toEqual({ script: 0, scriptSync: 6, command: 0 });
    await store.close();
  });

  it('keys stay inside a namespace view, and a closed store is a store failure as before', async () => {
    const { sync, async } = pair(() => T0);
    const views = [sync.namespace('ws:{t1}:'), async.namespace('ws:{t1}:')];
    const results: unknown[] = [];
    let keys: string[] = [];
    for (const view of views) {
      const limiter = createRateLimiter({ store: view, limit: 1, window: '1m', onStoreError: 'fail-closed' });
      await limiter.limit('bob');
      keys = limiter.keys('bob').map((k) => `ws:{t1}:${k}`);
      results.push(plain(await limiter.limit('bob')));
    }
    expect(results[0]).toEqual(results[1]);
    expect(results[0]).toMatchObject({ allowed: false, reason: 'limited' });
    const found: string[] = [];
    for await (const key of sync.scan()) found.push(key);
    expect(found).toEqual(keys);
    // Closed: both paths answer through the failure policy with E_CLOSED.
    const closed: unknown[] = [];
    for (const s of [sync, async]) {
      const limiter = createRateLimiter({ store: s, limit: 1, window: '1m', onStoreError: 'fail-closed' });
      await s.close();
      // `now` of a failure is the local clock, read at different instants.
      closed.push({ ...((await settle(limiter.limit('carol'))) as object), now: undefined });
    }
    expect(closed[0]).toEqual(closed[1]);
    expect(closed[0]).toMatchObject({ allowed: false, reason: 'store-error', error: 'E_CLOSED' });
  });

  it('through a failover layer (the async path) the limiter answers as on memory', async () => {
    const primary = memoryAdapter({ sweepIntervalMs: 0 });
    const store = withFailover(primary, { timeoutMs: 1000 });
    const limiter = createRateLimiter({ store, limit: 1, window: '1m' });
    expect((await limiter.limit('dave')).allowed).toBe(true);
    expect((await limiter.limit('dave')).reason).toBe('limited');
    await store.close();
  });

  it('events are emitted on the sync path, one per call', async () => {
    const store = memoryAdapter({ sweepIntervalMs: 0 });
    const limiter = createRateLimiter({ store, limit: 1, window: '1m' });
    const seen: FeatureEvent[] = [];
    const off = featureEvents(store).on('operation', (e) => seen.push(e));
    await limiter.limit('erin');
    await limiter.limit('erin');
    off();
    expect(seen.map((e) => e.outcome)).toEqual(['allowed', 'denied']);
    await store.close();
  });
});

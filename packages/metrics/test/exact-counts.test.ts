import { type CacheStatus, createCache } from '@raptorflow/cache';
import { type KvStore, withL1 } from '@raptorflow/core';
import { randomPrefix, storeMatrix } from '@raptorflow/core/testing';
import { createRateLimiter } from '@raptorflow/ratelimit';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../src/index.js';

/*
 * Counts under load must equal what the packages themselves returned: a bounded run of
 * concurrent rate-limit checks and cache reads, each call's own result tallied by the test,
 * compared with the metrics' counters. Bounded in count (and each call in time by the store).
 */
const CALLS = process.env.RAPTORFLOW_LONG ? 20_000 : 2000;
const CONCURRENCY = 16;

async function bounded(calls: number, run: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < calls) await run(next++);
    }),
  );
}

const tally = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);

describe.each(storeMatrix({ only: ['memory', 'ioredis'] }))('exact counts on $name', ({ create }) => {
  it('ratelimit: allowed and denied per limiter, per call, equal the counters', async () => {
    const store: KvStore = (await create()).namespace(randomPrefix());
    const metrics = createMetrics({ store });
    // Two named limiters and one left unnamed (labelled by its algorithm), on one store. Hour
    // windows: no unit comes back during the run, so each admits exactly its limit per id.
    const limiters = [
      createRateLimiter({ store, name: 'login', limit: 10, window: '1h', blockCache: false }),
      createRateLimiter({
        store,
        name: 'api',
        algorithm: 'token-bucket',
        limit: 15,
        window: '1h',
        blockCache: false,
      }),
      createRateLimiter({ store, algorithm: 'sliding-window', limit: 5, window: '1m', blockCache: false }),
    ] as const;
    const names = ['login', 'api', 'sliding-window'];
    const seen = new Map<string, number>();
    await bounded(CALLS, async (i) => {
      const which = i % 3;
      const r = await (limiters[which] as (typeof limiters)[number]).limit(`user-${i % 25}`);
      tally(seen, `${names[which]}\t${r.allowed ? 'allowed' : 'denied'}\t${r.reason}`);
    });
    // Each limiter admitted exactly its limit per identifier (the package's own results).
    expect(seen.get('login\tallowed\tallowed')).toBe(25 * 10);
    expect(seen.get('api\tallowed\tallowed')).toBe(25 * 15);
    const ops = metrics.snapshot().stores.default?.features.ratelimit?.limit;
    expect(ops?.total).toBe(CALLS);
    let allowed = 0;
    for (const [key, n] of seen) if (key.includes('\tallowed\t')) allowed += n;
    expect(ops?.outcomes).toEqual({ allowed, denied: CALLS - allowed });
    const text = metrics.prometheus();
    const got = new Map<string, number>();
    for (const [, result, reason, limiter, n] of text.matchAll(
      /^raptorflow_ratelimit_requests_total\{store="default",result="(\w+)",reason="(\w*)",limiter="([^"]*)"\} (\d+)$/gm,
    ))
      got.set(`${limiter}\t${result}\t${reason}`, Number(n));
    expect(got).toEqual(seen);
    expect(text).toContain(
      `raptorflow_feature_operation_duration_seconds_count{store="default",feature="ratelimit",operation="limit"} ${CALLS}\n`,
    );
    metrics.close();
  });

  it('cache: l1 hits, l2 hits and misses per call equal the counters', async () => {
    const root = await create();
    const store = withL1(root.namespace(randomPrefix()), { channel: false });
    const metrics = createMetrics({ store });
    const cache = createCache({ store });
    const ns = cache.workspace('ws').namespace<number>('items');
    for (let k = 0; k < 50; k++) await ns.set(`k${k}`, k);
    const seen = new Map<string, number>();
    await bounded(CALLS, async (i) => {
      const status: CacheStatus = {};
      if (i % 2 === 0) await ns.get(`k${i % 80}`, { status });
      else await ns.getOrSet(`g${i % 40}`, async () => i, { status });
      tally(seen, status.result ?? 'none');
    });
    await cache.close();
    const tiers: Record<string, [string, string]> = {
      'l1-hit': ['l1', 'hit'],
      'l2-hit': ['l2', 'hit'],
      miss: ['none', 'miss'],
      dedup: ['none', 'dedup'],
      stale: ['none', 'stale'],
    };
    const text = metrics.prometheus();
    let total = 0;
    for (const [result, n] of seen) {
      const [tier, r] = tiers[result] ?? ['?', result];
      expect(text).toContain(
        `raptorflow_cache_requests_total{store="default",namespace="items",tier="${tier}",result="${r}"} ${n}\n`,
      );
      total += n;
    }
    expect(total).toBe(CALLS);
    expect(seen.get('miss')).toBeGreaterThan(0);
    expect(seen.get('l1-hit')).toBeGreaterThan(0);
    metrics.close();
  });
});

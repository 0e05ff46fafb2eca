import { type CacheStatus, createCache } from '@raptorflow/cache';
import { type KvStore, withL1 } from '@raptorflow/core';
import { randomPrefix, storeMatrix } from '@raptorflow/core/testing';
import { createLlmCache } from '@raptorflow/llm-cache';
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

  it('llm-cache: lookups by stage and the tokens and cost saved equal what getOrCall returned', async () => {
    const store: KvStore = (await create()).namespace(randomPrefix());
    const metrics = createMetrics({ store });
    const llm = createLlmCache({ store, ttl: '1h' });
    const calls = CALLS / 10;
    const seen = new Map<string, number>();
    let input = 0;
    let output = 0;
    let cost = 0;
    await bounded(calls, async (i) => {
      const request = {
        model: 'gpt-4o-mini',
        messages: [{ role: 'user' as const, content: `question ${i % 12}` }],
      };
      const r = await llm.getOrCall(request, async () => ({ text: `answer ${i % 12}` }), {
        tenant: 'acme',
        usage: () => ({ inputTokens: 10 + (i % 12), outputTokens: 3 }),
      });
      await r.pending;
      const hit = r.stage === 'exact' || r.stage === 'semantic';
      tally(seen, `${hit ? r.stage : ''}\t${hit ? 'hit' : r.stage}`);
      input += r.saved?.inputTokens ?? 0;
      output += r.saved?.outputTokens ?? 0;
      cost += r.saved?.cost ?? 0;
    });
    await llm.close();
    expect(seen.get('exact\thit')).toBeGreaterThan(0);
    const text = metrics.prometheus();
    const got = new Map<string, number>();
    for (const [, stage, result, n] of text.matchAll(
      /^raptorflow_llm_cache_lookups_total\{store="default",stage="(\w*)",result="(\w+)"\} (\d+)$/gm,
    ))
      got.set(`${stage}\t${result}`, Number(n));
    expect(got).toEqual(seen);
    // The events carry the model and the input/output split: one series per (model, type).
    const savedOf = (type: string) =>
      Number(
        text.match(
          new RegExp(
            `^raptorflow_llm_cache_saved_tokens_total\\{store="default",model="gpt-4o-mini",type="${type}"\\} (\\S+)$`,
            'm',
          ),
        )?.[1],
      );
    expect(input).toBeGreaterThan(0);
    expect(savedOf('input')).toBe(input);
    expect(savedOf('output')).toBe(output);
    expect(text).not.toContain('type="total"');
    const savedCost = text.match(
      /^raptorflow_llm_cache_saved_cost_total\{store="default",model="gpt-4o-mini"\} (\S+)$/m,
    );
    expect(Number(savedCost?.[1])).toBeCloseTo(cost, 12);
    metrics.close();
  });
});

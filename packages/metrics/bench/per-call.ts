/**
 * Per-call CPU cost that metrics adds to the two bench rows of the overhead goal, on the memory
 * store at concurrency 1: a cache `get` served by L1, and a GCRA `limit`. Three variants,
 * interleaved: no listener, a no-op listener (what the package spends building its event), and
 * `createMetrics`. Bounded: ROUNDS × 3 × CALLS awaited calls.
 *
 *   pnpm --filter @raptorflow/metrics exec tsx --conditions=@raptorflow/source bench/per-call.ts
 */
import { createCache } from '@raptorflow/cache';
import { type KvStore, memoryAdapter, withL1 } from '@raptorflow/core';
import { featureEvents } from '@raptorflow/core/kit';
import { createRateLimiter } from '@raptorflow/ratelimit';
import { createMetrics } from '../src/index.js';

const CALLS = Number(process.env.CALLS ?? 200_000);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
type Variant = 'none' | 'noop' | 'metrics';

interface Row {
  store: KvStore;
  op: (i: number) => Promise<unknown>;
  close(): Promise<void>;
}

async function cacheRow(): Promise<Row> {
  const store = withL1(memoryAdapter(), { max: 10_000, ttl: 600_000, channel: false });
  const cache = createCache({ store });
  const ns = cache.workspace('acme').namespace<{ n: number }>('campaigns');
  const keys = Array.from({ length: 100 }, (_, i) => `k${i}`);
  for (const k of keys) await ns.set(k, { n: 1 });
  for (const k of keys) await ns.get(k);
  return {
    store,
    op: (i) => ns.get(keys[i % 100] as string),
    async close() {
      await cache.close();
      await store.close();
    },
  };
}

async function ratelimitRow(): Promise<Row> {
  const store = memoryAdapter();
  const limiter = createRateLimiter({
    store,
    algorithm: 'gcra',
    limit: 1e9,
    window: 60_000,
    blockCache: false,
  });
  const ids = Array.from({ length: 1000 }, (_, i) => `user-${i}`);
  return { store, op: (i) => limiter.limit(ids[i % 1000] as string), close: () => store.close() };
}

async function run(make: () => Promise<Row>, variant: Variant): Promise<number> {
  const row = await make();
  const hub = featureEvents(row.store);
  const off = variant === 'noop' ? hub.on('operation', () => {}) : () => {};
  const metrics = variant === 'metrics' ? createMetrics({ store: row.store }) : undefined;
  for (let i = 0; i < 2000; i++) await row.op(i);
  const before = process.cpuUsage();
  for (let i = 0; i < CALLS; i++) await row.op(i);
  const used = process.cpuUsage(before);
  metrics?.close();
  off();
  await row.close();
  return ((used.user + used.system) * 1000) / CALLS;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
for (const [name, make] of [
  ['cache get (L1 hit)', cacheRow],
  ['ratelimit gcra', ratelimitRow],
] as const) {
  const r: Record<Variant, number[]> = { none: [], noop: [], metrics: [] };
  for (let k = 0; k < ROUNDS; k++)
    for (const v of ['none', 'noop', 'metrics'] as const) r[v].push(await run(make, v));
  const [a, b, c] = [median(r.none), median(r.noop), median(r.metrics)];
  console.log(
    `${name.padEnd(20)} none ${a.toFixed(0)} ns · noop ${b.toFixed(0)} ns · metrics ${c.toFixed(0)} ns · ` +
      `event ${(b - a).toFixed(0)} ns · counting ${(c - b).toFixed(0)} ns · metrics/none ${(a / c).toFixed(2)}×`,
  );
}

/**
 * Per-event CPU cost of `createMetrics` listening on a store's feature-event hub, apart from
 * any package or store: pre-built events (the shapes cache and ratelimit emit) are emitted on
 * the hub in a bounded loop, with no listener, a no-op listener and metrics, interleaved.
 *
 *   pnpm --filter @raptorflow/metrics exec tsx --conditions=@raptorflow/source bench/per-event.ts
 *
 * Bounded: ROUNDS × VARIANTS × EVENTS emits; CPU time by process.cpuUsage (user + system).
 */
import { memoryAdapter } from '@raptorflow/core';
import { type FeatureEvent, featureEvents } from '@raptorflow/core/kit';
import { createMetrics } from '../src/index.js';

const EVENTS = Number(process.env.EVENTS ?? 1_000_000);
const ROUNDS = Number(process.env.ROUNDS ?? 5);

const SHAPES: Record<string, FeatureEvent[]> = {
  'cache l1-hit': Array.from({ length: 64 }, (_, i) => ({
    feature: 'cache',
    operation: 'get',
    tenant: 'ws',
    outcome: 'l1-hit',
    durationMs: 0.002 + (i % 7) * 0.001,
    error: undefined,
    detail: { namespace: 'items' },
  })),
  'ratelimit allowed': Array.from({ length: 64 }, (_, i) => ({
    feature: 'ratelimit',
    operation: 'limit',
    tenant: undefined,
    outcome: 'allowed',
    durationMs: 0.003 + (i % 7) * 0.001,
    error: undefined,
    detail: { remaining: 5, reason: 'allowed', limiter: 'gcra' },
  })),
};

type Variant = 'none' | 'noop' | 'metrics';

function run(variant: Variant, events: FeatureEvent[]): number {
  const store = memoryAdapter();
  const hub = featureEvents(store);
  let off: () => void = () => {};
  let sink = 0;
  if (variant === 'noop') off = hub.on('operation', (e) => (sink += e.durationMs));
  const metrics = variant === 'metrics' ? createMetrics({ store }) : undefined;
  const n = events.length;
  const before = process.cpuUsage();
  for (let i = 0; i < EVENTS; i++) {
    const e = events[i % n] as FeatureEvent;
    if (hub.has('operation')) hub.emit('operation', e);
  }
  const used = process.cpuUsage(before);
  if (metrics) {
    const seen =
      metrics.snapshot().stores.default?.features[events[0]?.feature ?? '']?.[events[0]?.operation ?? '']
        ?.total;
    if (seen !== EVENTS) throw new Error(`metrics counted ${seen}, expected ${EVENTS}`);
    metrics.close();
  }
  off();
  void store.close();
  if (sink < 0) console.log(sink);
  return ((used.user + used.system) * 1000) / EVENTS; // ns per event
}

for (const [shape, events] of Object.entries(SHAPES)) {
  const results: Record<Variant, number[]> = { none: [], noop: [], metrics: [] };
  run('metrics', events); // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    for (const v of ['none', 'noop', 'metrics'] as const) results[v].push(run(v, events));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  const line = (['none', 'noop', 'metrics'] as const)
    .map((v) => `${v} ${median(results[v]).toFixed(0)} ns`)
    .join(' · ');
  console.log(
    `${shape.padEnd(18)} ${line} · metrics − noop ${(median(results.metrics) - median(results.noop)).toFixed(0)} ns/event`,
  );
}

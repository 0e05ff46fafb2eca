import type { Attributes, Meter } from '@opentelemetry/api';
import { FAMILIES } from './collect.js';
import type { Metrics } from './metrics.js';

/** Buckets OpenTelemetry advises for `db.client.operation.duration`, in seconds. */
export const OTEL_DB_BUCKETS: readonly number[] = Object.freeze([
  0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10,
]);

/** The OpenTelemetry name of a family: `raptorflow.` + its name with dots, without `_total`. */
export function otelName(family: string): string {
  return `raptorflow.${family.replace(/_total$/, '').replace(/_/g, '.')}`;
}

/** `db.system.name` of an adapter name: `redis` for ioredis and Upstash (`l1(ioredis)` too), else `inmemory`. */
function dbSystem(adapter: string): string {
  return /ioredis|upstash|redis/.test(adapter) ? 'redis' : 'inmemory';
}

/**
 * Report `metrics` through the OpenTelemetry metrics API (`@opentelemetry/api`, an optional
 * peer; pass a `Meter` from your provider):
 *
 * - store commands and scripts (from an `instrument` layer) as the stable
 *   **`db.client.operation.duration`** histogram (s) with `db.system.name` (`redis`, or
 *   `inmemory` for the memory adapter), `db.operation.name` (the command; `EVALSHA` for a
 *   script, its name in `raptorflow.script.name`) and `error.type` (the KvError code);
 * - feature operations as `raptorflow.feature.operation.duration` (s) with `raptorflow.feature`,
 *   `raptorflow.operation`, `raptorflow.outcome`, `raptorflow.store`;
 * - every counter and gauge family as an observable instrument read at collection time, named
 *   by {@link otelName} (`raptorflow_cache_requests_total` → `raptorflow.cache.requests`),
 *   attributes as the Prometheus labels. OpenTelemetry has no cache convention yet
 *   (semantic-conventions #1747), so these names are ours.
 *
 * Returns a function that stops reporting.
 */
export function registerOpenTelemetry(metrics: Metrics, meter: Meter): () => void {
  const commands = meter.createHistogram('db.client.operation.duration', {
    unit: 's',
    description: 'Duration of database client operations.',
    advice: { explicitBucketBoundaries: [...OTEL_DB_BUCKETS] },
  });
  const operations = meter.createHistogram('raptorflow.feature.operation.duration', {
    unit: 's',
    description: 'Duration of RaptorFlow feature operations, call to result.',
  });
  const off = metrics.addObserver({
    call(store, adapter, kind, command, durationMs, error) {
      const attributes: Attributes = {
        'db.system.name': dbSystem(adapter),
        'db.operation.name': kind === 'script' ? 'EVALSHA' : command,
        'raptorflow.store': store,
      };
      if (kind === 'script') attributes['raptorflow.script.name'] = command;
      if (error !== undefined) attributes['error.type'] = error;
      commands.record(durationMs / 1000, attributes);
    },
    operation(store, feature, operation, outcome, durationMs) {
      operations.record(durationMs / 1000, {
        'raptorflow.store': store,
        'raptorflow.feature': feature,
        'raptorflow.operation': operation,
        'raptorflow.outcome': outcome,
      });
    },
  });
  const observables = new Map<string, ReturnType<Meter['createObservableCounter']>>();
  for (const [name, family] of Object.entries(FAMILIES)) {
    if (family.type === 'histogram') continue;
    const options = { description: family.help };
    observables.set(
      metrics.prefix + name,
      family.type === 'counter'
        ? meter.createObservableCounter(otelName(name), options)
        : meter.createObservableGauge(otelName(name), options),
    );
  }
  const callback = async (result: { observe(o: unknown, value: number, attributes?: Attributes): void }) => {
    await metrics.refresh();
    for (const family of metrics.collect()) {
      const observable = observables.get(family.name);
      if (observable === undefined || family.type === 'histogram') continue;
      for (const s of family.samples) result.observe(observable, s.value, s.labels);
    }
  };
  const all = [...observables.values()];
  meter.addBatchObservableCallback(callback as never, all);
  return () => {
    off();
    meter.removeBatchObservableCallback(callback as never, all);
  };
}

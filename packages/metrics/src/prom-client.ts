import { FAMILIES } from './collect.js';
import type { MetricFamily } from './families.js';
import type { Metrics } from './metrics.js';
import { formatValue } from './prometheus.js';

/**
 * The part of a prom-client `Registry` this uses (prom-client 15 is an optional peer, never
 * imported: pass your own `new Registry()` or `register`).
 */
export interface PromClientRegistry {
  registerMetric(metric: never): void;
  removeSingleMetric(name: string): void;
}

interface PromValue {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

function promValues(family: MetricFamily): PromValue[] {
  if (family.type !== 'histogram')
    return family.samples.map((s) => ({ value: s.value, labels: { ...s.labels } }));
  const out: PromValue[] = [];
  for (const s of family.samples) {
    s.bounds.forEach((le, i) => {
      out.push({
        metricName: `${family.name}_bucket`,
        labels: { ...s.labels, le: formatValue(le) },
        value: s.cumulative[i] as number,
      });
    });
    out.push({ metricName: `${family.name}_bucket`, labels: { ...s.labels, le: '+Inf' }, value: s.count });
    out.push({ metricName: `${family.name}_sum`, labels: { ...s.labels }, value: s.sum });
    out.push({ metricName: `${family.name}_count`, labels: { ...s.labels }, value: s.count });
  }
  return out;
}

/**
 * Register every metric family of `metrics` into a prom-client `Registry` (Node), so one
 * `/metrics` endpoint serves your own metrics and ours. Each family is a prom-client metric
 * object whose `get()` reads `metrics.collect()` once per scrape. Returns a function that
 * unregisters them.
 *
 * ```ts
 * import { register } from 'prom-client';
 * registerPromClient(metrics, register);
 * ```
 */
export function registerPromClient(metrics: Metrics, registry: PromClientRegistry): () => void {
  const prefix = metrics.prefix;
  // One collect per scrape: prom-client calls every metric's get() in the same tick.
  // The scrape-time gauges (queue counts) are read first, once for all families.
  let cached: Promise<Map<string, MetricFamily>> | undefined;
  const families = (): Promise<Map<string, MetricFamily>> => {
    if (cached === undefined) {
      cached = metrics.refresh().then(() => new Map(metrics.collect().map((f) => [f.name, f])));
      const done = () => {
        setTimeout(() => {
          cached = undefined;
        }, 0);
      };
      cached.then(done, done);
    }
    return cached;
  };
  const names: string[] = [];
  for (const [short, family] of Object.entries(FAMILIES)) {
    const name = prefix + short;
    names.push(name);
    const metric = {
      name,
      help: family.help,
      type: family.type,
      aggregator: 'sum',
      collect: undefined,
      reset() {},
      async get() {
        const found = (await families()).get(name);
        return {
          name,
          help: family.help,
          type: family.type,
          aggregator: 'sum',
          values: found ? promValues(found) : [],
        };
      },
    };
    registry.registerMetric(metric as never);
  }
  return () => {
    for (const name of names) registry.removeSingleMetric(name);
  };
}

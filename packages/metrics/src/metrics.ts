import { findLayer } from '@raptorflow/core';
import { type FeatureEvent, STORE_FAILURE_CODES } from '@raptorflow/core/kit';
import { collectFamilies } from './collect.js';
import type { MetricFamily } from './families.js';
import { ScrapeGauges } from './gauges.js';
import { RateLimitedLog } from './logger.js';
import { type MetricsOptions, parseMetricsOptions } from './options.js';
import { PROMETHEUS_CONTENT_TYPE, toPrometheusText } from './prometheus.js';
import { type MetricsSnapshot, snapshotOf } from './snapshot.js';
import { type CallEvent, type Observer, StoreState } from './store-state.js';
import { CounterSamples, SLOT_MS } from './window.js';

/** What {@link createMetrics} returns. */
export interface Metrics {
  /** The `store` label of each observed store. */
  readonly stores: readonly string[];
  /** The prefix of every Prometheus metric name (option `prefix`). */
  readonly prefix: string;
  /** A JSON-ready snapshot: totals, and rolling 1 min / 5 min windows (ops/s, p50/p99, hit rates). */
  snapshot(): MetricsSnapshot;
  /** Every metric family, the runtime-neutral form the exporters read. */
  collect(): MetricFamily[];
  /** The Prometheus text exposition (format 0.0.4) of {@link collect}; runs on any runtime. */
  prometheus(): string;
  /**
   * Read the scrape-time gauges (`queues` counts) from the store, then answer like
   * {@link prometheus}. The `/metrics` handler, prom-client and OpenTelemetry read this way.
   */
  scrape(): Promise<string>;
  /**
   * Read the scrape-time gauges (`queues`: one round trip per queue, in parallel; `sessions`:
   * `countActive()`, 4,096 commands each) so the next {@link collect} / {@link snapshot} holds
   * them. Queue reads within 1 s of the last are reused, session counts within
   * `sessionsRefreshMs`; never rejects (a failed read keeps the last value and is counted and
   * logged).
   */
  refresh(): Promise<void>;
  /** The content type of {@link prometheus}. */
  readonly contentType: string;
  /** Stop listening and stop the sampling timer. Counts stay readable. */
  close(): void;
  /** @internal Exporters that need every event (OpenTelemetry histograms) register here. */
  addObserver(observer: Observer): () => void;
}

/** Per store, samples of the L1 counters and the last failover counters (for fallback logs). */
interface Sampled {
  readonly l1: CounterSamples<{ hits: number; misses: number }>;
  lastFallback: number;
}

const STORE_FAILURES: ReadonlySet<string> = new Set(STORE_FAILURE_CODES);
/** Scrape-time reads closer together than this reuse the last one (several scrapers, one read). */
const SCRAPE_MIN_INTERVAL_MS = 1000;

/**
 * Count every operation of every RaptorFlow package on `store` (or `stores`), and the store
 * layers' own figures, with bounded label cardinality. Listens to the kit's feature-event hub
 * (`featureEvents(store)`), to an `instrument` layer's `call` events when the stack has one,
 * and to a failover layer's `state` events; reads L1 and failover counters when asked.
 *
 * ```ts
 * const metrics = createMetrics({ store });
 * metrics.snapshot(); // { stores: { default: { features: { cache: { get: { windows: { '1m': … } } } } } } }
 * metrics.prometheus(); // "# HELP raptorflow_feature_operations_total …"
 * ```
 */
export function createMetrics(options: MetricsOptions): Metrics {
  const opts = parseMetricsOptions(options);
  const clock = opts.clock;
  const started = clock();
  const observers: Observer[] = [];
  const log = new RateLimitedLog(opts.logger, opts.logsPerMinute, clock);
  const hooks = {
    onOperation(state: StoreState, e: FeatureEvent): void {
      if (e.error !== undefined && STORE_FAILURES.has(e.error) && log.on) {
        log.write('store-error', 'warn', `${e.feature}.${e.operation}: store failure ${e.error}`, {
          store: state.name,
          feature: e.feature,
          operation: e.operation,
          outcome: e.outcome,
          error: e.error,
          durationMs: e.durationMs,
        });
      }
    },
    onCall(state: StoreState, e: CallEvent): void {
      if (log.on && e.error !== undefined && STORE_FAILURES.has(e.error)) {
        log.write('store-error', 'warn', `${e.kind} ${e.name} failed: ${e.error}`, {
          store: state.name,
          kind: e.kind,
          name: e.name,
          error: e.error,
          durationMs: e.durationMs,
        });
      }
    },
    onBreaker(state: StoreState, from: string, to: string, at: number): void {
      const level = to === 'open' ? 'error' : to === 'closed' ? 'info' : 'warn';
      const policy = findLayer(state.store, 'failover')?.policy;
      log.write('breaker', level, `circuit ${from} → ${to}${to === 'open' ? ` (policy ${policy})` : ''}`, {
        store: state.name,
        from,
        to,
        at,
        policy,
      });
      if (opts.onAlert) {
        try {
          opts.onAlert({ kind: 'breaker', store: state.name, from, to, at });
        } catch {
          // An alert callback that throws must not break the store call that changed state.
        }
      }
    },
  };

  // The slot of an event in the rolling windows needs the time to ~1 s, and reading the clock
  // can cost more than counting (Date.now is a syscall on some VMs): with the default clock,
  // events read a cached time, refreshed every second and every 256 events (a busy loop of
  // promises can starve the timer). A clock passed as an option is read on every event.
  let cached = clock();
  let reads = 0;
  const eventClock = opts.coarseClock
    ? () => {
        if (++reads >= 256) {
          reads = 0;
          cached = clock();
        }
        return cached;
      }
    : clock;
  const ticker = opts.coarseClock
    ? setInterval(() => {
        cached = clock();
      }, 1000)
    : undefined;
  (ticker as { unref?: () => void } | undefined)?.unref?.();

  // One listener per feature-event hub, instrument layer and failover layer: two names for
  // stores on one adapter (or one stack) would otherwise count each event twice.
  const claimed = new Set<object>();
  const claim = (control: object): boolean => {
    if (claimed.has(control)) return false;
    claimed.add(control);
    return true;
  };
  const states: StoreState[] = [];
  for (const [name, store] of opts.stores) {
    states.push(new StoreState(name, store, opts, eventClock, observers, hooks, claim));
  }
  const gauges = new ScrapeGauges({
    queues: opts.queues,
    sessions: opts.sessions,
    clock,
    timeoutMs: opts.scrapeTimeoutMs,
    queueIntervalMs: SCRAPE_MIN_INTERVAL_MS,
    sessionsIntervalMs: opts.sessionsRefreshMs,
    onError: (kind, name, code) =>
      kind === 'queue'
        ? log.write('store-error', 'warn', `queue ${name}: counts failed: ${code}`, {
            queue: name,
            error: code,
          })
        : log.write('store-error', 'warn', `sessions ${name}: countActive failed: ${code}`, {
            sessions: name,
            error: code,
          }),
  });
  const sampled = new Map<StoreState, Sampled>(
    states.map((s) => [
      s,
      { l1: new CounterSamples(), lastFallback: findLayer(s.store, 'failover')?.stats.fallback ?? 0 },
    ]),
  );

  function sample(): void {
    const now = clock();
    for (const state of states) {
      const s = sampled.get(state) as Sampled;
      const l1 = findLayer(state.store, 'l1');
      if (l1) {
        const { hits, misses } = l1.stats;
        s.l1.add(now, { hits, misses });
      }
      const failover = findLayer(state.store, 'failover');
      if (failover) {
        const fallback = failover.stats.fallback;
        if (fallback > s.lastFallback) {
          log.write('fallback', 'warn', `${fallback - s.lastFallback} calls served by the fallback store`, {
            store: state.name,
            calls: fallback - s.lastFallback,
            state: failover.state,
          });
        }
        s.lastFallback = fallback;
      }
    }
  }
  sample();
  const timer = setInterval(sample, SLOT_MS);
  (timer as { unref?: () => void }).unref?.();

  const metrics: Metrics = {
    stores: states.map((s) => s.name),
    prefix: opts.prefix,
    contentType: PROMETHEUS_CONTENT_TYPE,
    snapshot() {
      sample();
      const now = clock();
      return snapshotOf(states, now, started, (state) => (sampled.get(state) as Sampled).l1, gauges);
    },
    collect() {
      sample();
      return collectFamilies(states, opts.prefix, gauges);
    },
    prometheus() {
      return toPrometheusText(metrics.collect());
    },
    async scrape() {
      await gauges.refresh();
      return metrics.prometheus();
    },
    refresh() {
      return gauges.refresh();
    },
    close() {
      clearInterval(timer);
      if (ticker !== undefined) clearInterval(ticker);
      for (const s of states) s.close();
    },
    addObserver(observer) {
      observers.push(observer);
      return () => {
        const i = observers.indexOf(observer);
        if (i >= 0) observers.splice(i, 1);
      };
    },
  };
  return metrics;
}

import { findLayer } from '@raptorflow/core';
import type { FailoverStats, L1Stats } from '@raptorflow/core/driver';
import type { QueueCounts, ScrapeGauges } from './gauges.js';
import type { OperationSeries } from './series.js';
import type { StoreState } from './store-state.js';
import { type CounterSamples, WINDOWS, type WindowSummary } from './window.js';

/** The rolling windows of a snapshot. */
export interface Windows<T> {
  readonly '1m': T;
  readonly '5m': T;
}

/** One operation (or store command) in a snapshot. */
export interface OperationSnapshot {
  /** Calls since metrics started. */
  readonly total: number;
  /** Calls by outcome since metrics started. */
  readonly outcomes: Readonly<Record<string, number>>;
  /** Calls by error code since metrics started. */
  readonly errors: Readonly<Record<string, number>>;
  readonly windows: Windows<WindowSummary>;
}

/** L1 reads over a window: counter deltas between samples. */
export interface L1Window {
  readonly hits: number;
  readonly misses: number;
  readonly hitRate: number | null;
  /** The time the deltas span, s. */
  readonly seconds: number;
}

/** One store in a snapshot. */
export interface StoreSnapshot {
  /** The store's name with its layers, e.g. `l1(ioredis)`. */
  readonly adapter: string;
  /** feature → operation → figures. */
  readonly features: Readonly<Record<string, Readonly<Record<string, OperationSnapshot>>>>;
  /** `command:<NAME>` / `script:<name>` → figures, when the stack has an `instrument` layer. */
  readonly commands: Readonly<Record<string, OperationSnapshot>>;
  /** The L1 tier's counters and windowed hit rates, when the stack has one. */
  readonly l1?: { readonly stats: L1Stats; readonly windows: Windows<L1Window> } | undefined;
  /** The failover layer's state and counters, when the stack has one. */
  readonly breaker?:
    | {
        readonly state: string;
        readonly policy: string;
        readonly stats: FailoverStats;
        readonly transitions: Readonly<Record<string, number>>;
      }
    | undefined;
}

/** What `metrics.snapshot()` returns: plain JSON. */
export interface MetricsSnapshot {
  /** When it was taken (ISO 8601, from the metrics clock). */
  readonly at: string;
  /** Seconds since `createMetrics`. */
  readonly uptimeSeconds: number;
  readonly stores: Readonly<Record<string, StoreSnapshot>>;
  /**
   * The `queues` option's jobs per state, as of the last scrape-time read (`metrics.refresh()`,
   * which the `/metrics` and admin handlers call): `counts` is `null` until a read succeeded.
   */
  readonly queues: Readonly<
    Record<
      string,
      { readonly counts: QueueCounts | null; readonly at: string | null; readonly errors: number }
    >
  >;
  /**
   * The `sessions` option's live sessions, as of the last scrape-time read (at most once per
   * `sessionsRefreshMs`): `active` is `null` until a read succeeded.
   */
  readonly sessions: Readonly<
    Record<string, { readonly active: number | null; readonly at: string | null; readonly errors: number }>
  >;
}

function operationSnapshot(series: OperationSeries, now: number, since: number): OperationSnapshot {
  return {
    total: series.count,
    outcomes: Object.fromEntries(series.outcomes()),
    errors: Object.fromEntries(series.errors()),
    windows: {
      '1m': series.window.summary(now, WINDOWS['1m'], since),
      '5m': series.window.summary(now, WINDOWS['5m'], since),
    },
  };
}

function l1Window(
  samples: CounterSamples<{ hits: number; misses: number }>,
  stats: L1Stats,
  now: number,
  width: number,
): L1Window {
  const base = samples.base(now, width);
  const hits = stats.hits - (base?.value.hits ?? 0);
  const misses = stats.misses - (base?.value.misses ?? 0);
  return {
    hits,
    misses,
    hitRate: hits + misses === 0 ? null : hits / (hits + misses),
    seconds: base ? (now - base.at) / 1000 : 0,
  };
}

/** The snapshot of `states` as of `now`. */
export function snapshotOf(
  states: readonly StoreState[],
  now: number,
  started: number,
  l1Samples: (state: StoreState) => CounterSamples<{ hits: number; misses: number }>,
  gauges?: ScrapeGauges,
): MetricsSnapshot {
  const stores: Record<string, StoreSnapshot> = {};
  for (const state of states) {
    const features: Record<string, Record<string, OperationSnapshot>> = {};
    for (const [feature, ops] of state.features) {
      const out: Record<string, OperationSnapshot> = {};
      for (const [operation, series] of ops) out[operation] = operationSnapshot(series, now, started);
      features[feature] = out;
    }
    const commands: Record<string, OperationSnapshot> = {};
    for (const [key, series] of state.commands) {
      commands[key.replace('\t', ':')] = operationSnapshot(series, now, started);
    }
    const l1 = findLayer(state.store, 'l1');
    const failover = findLayer(state.store, 'failover');
    const stats = l1?.stats;
    stores[state.name] = {
      adapter: state.adapter,
      features,
      commands,
      l1:
        stats === undefined
          ? undefined
          : {
              stats,
              windows: {
                '1m': l1Window(l1Samples(state), stats, now, WINDOWS['1m']),
                '5m': l1Window(l1Samples(state), stats, now, WINDOWS['5m']),
              },
            },
      breaker:
        failover === undefined
          ? undefined
          : {
              state: failover.state,
              policy: failover.policy,
              stats: failover.stats,
              transitions: Object.fromEntries(
                [...state.transitions].map(([k, v]) => [k.replace('\t', '->'), v]),
              ),
            },
    };
  }
  const queues: Record<string, { counts: QueueCounts | null; at: string | null; errors: number }> = {};
  for (const [name, r] of gauges?.queues ?? []) {
    queues[name] = {
      counts: r.value === undefined ? null : { ...r.value },
      at: r.value === undefined ? null : new Date(r.at).toISOString(),
      errors: r.errors,
    };
  }
  const sessions: Record<string, { active: number | null; at: string | null; errors: number }> = {};
  for (const [name, r] of gauges?.sessions ?? []) {
    sessions[name] = {
      active: r.value ?? null,
      at: r.value === undefined ? null : new Date(r.at).toISOString(),
      errors: r.errors,
    };
  }
  return {
    at: new Date(now).toISOString(),
    uptimeSeconds: (now - started) / 1000,
    stores,
    queues,
    sessions,
  };
}

import { findLayer } from '@raptorflow/core';
import type { HistogramSample, MetricFamily, ScalarSample } from './families.js';
import type { BucketHistogram } from './histogram.js';
import type { StoreState } from './store-state.js';

const STATES = ['closed', 'open', 'half-open'] as const;

function hist(labels: Record<string, string>, h: BucketHistogram): HistogramSample {
  return { labels, bounds: h.bounds, cumulative: h.cumulative(), sum: h.sum, count: h.count };
}

/** Split a tab-joined key into the named labels. */
function split(key: string, names: readonly string[], base: Record<string, string>): Record<string, string> {
  const parts = key.split('\t');
  const out = { ...base };
  names.forEach((n, i) => {
    out[n] = parts[i] ?? '';
  });
  return out;
}

/**
 * Every metric family of `states` (names in the README's table), read now. Families without a
 * sample are left out.
 */
export function collectFamilies(states: readonly StoreState[], prefix: string): MetricFamily[] {
  const counters = new Map<string, { help: string; type: 'counter' | 'gauge'; samples: ScalarSample[] }>();
  const histograms = new Map<string, { help: string; samples: HistogramSample[] }>();
  const scalar = (
    name: string,
    help: string,
    type: 'counter' | 'gauge',
    labels: Record<string, string>,
    value: number,
  ) => {
    const full = prefix + name;
    let f = counters.get(full);
    if (!f) {
      f = { help, type, samples: [] };
      counters.set(full, f);
    }
    f.samples.push({ labels, value });
  };
  const histogram = (name: string, help: string, sample: HistogramSample) => {
    const full = prefix + name;
    let f = histograms.get(full);
    if (!f) {
      f = { help, samples: [] };
      histograms.set(full, f);
    }
    f.samples.push(sample);
  };

  for (const state of states) {
    const store = state.name;
    for (const [feature, ops] of state.features) {
      for (const [operation, series] of ops) {
        const labels = { store, feature, operation };
        for (const [outcome, n] of series.outcomes) {
          scalar(
            'feature_operations_total',
            'Operations of RaptorFlow feature packages, by feature, operation and outcome.',
            'counter',
            { ...labels, outcome },
            n,
          );
        }
        for (const [code, n] of series.errors) {
          scalar(
            'feature_errors_total',
            'Feature operations that failed or had a store failure absorbed by their policy, by error code.',
            'counter',
            { ...labels, code },
            n,
          );
        }
        histogram(
          'feature_operation_duration_seconds',
          'Duration of feature operations, call to result.',
          hist(labels, series.histogram),
        );
      }
    }
    for (const [key, series] of state.commands) {
      const [kind = '', command = ''] = key.split('\t');
      const labels = { store, adapter: state.adapter, kind, command };
      histogram(
        'kv_command_duration_seconds',
        'Duration of store commands and scripts, send to reply (OpenTelemetry: db.client.operation.duration).',
        hist(labels, series.histogram),
      );
      for (const [code, n] of series.errors) {
        scalar(
          'kv_command_errors_total',
          'Store commands and scripts that failed, by error code.',
          'counter',
          { ...labels, code },
          n,
        );
      }
    }
    const k = state.known;
    for (const [key, n] of k.cache) {
      scalar(
        'cache_requests_total',
        'Cache reads (get, getOrSet) by namespace, tier (l1, l2, none) and result (hit, stale, miss, dedup, error).',
        'counter',
        split(key, ['namespace', 'tier', 'result'], { store }),
        n,
      );
    }
    for (const [key, n] of k.ratelimit) {
      scalar(
        'ratelimit_requests_total',
        'Rate-limit checks by result (allowed, denied, error), reason and limiter.',
        'counter',
        split(key, ['result', 'reason', 'limiter'], { store }),
        n,
      );
    }
    for (const [result, n] of k.lockAcquire) {
      scalar(
        'locks_acquire_total',
        'Lock acquisitions by result (acquired, held, error).',
        'counter',
        { store, result },
        n,
      );
    }
    if (k.lockWait.count > 0) {
      histogram(
        'locks_wait_seconds',
        'Time from an acquire call to holding the lock.',
        hist({ store }, k.lockWait),
      );
    }
    if (k.lockContended > 0 || k.lockAcquire.size > 0) {
      scalar(
        'locks_contended_total',
        'Acquisitions that needed more than one attempt.',
        'counter',
        { store },
        k.lockContended,
      );
      scalar(
        'locks_lost_total',
        'Locks found lost (expired or taken) on release, extend or by the watchdog.',
        'counter',
        { store },
        k.lockLost,
      );
    }
    for (const [key, n] of k.llmLookups) {
      scalar(
        'llm_cache_lookups_total',
        'LLM cache lookups by stage (exact, semantic) and result.',
        'counter',
        split(key, ['stage', 'result'], { store }),
        n,
      );
    }
    for (const [key, n] of k.llmSavedTokens) {
      scalar(
        'llm_cache_saved_tokens_total',
        'Tokens not sent to a model thanks to the LLM cache.',
        'counter',
        split(key, ['model', 'type'], { store }),
        n,
      );
    }
    for (const [model, n] of k.llmSavedCost) {
      scalar(
        'llm_cache_saved_cost_total',
        'Model cost saved by the LLM cache, in the currency of the events.',
        'counter',
        { store, model },
        n,
      );
    }

    const l1 = findLayer(state.store, 'l1');
    if (l1) {
      const s = l1.stats;
      scalar(
        'l1_requests_total',
        'Reads through the L1 tier by result (hit: zero round trips).',
        'counter',
        { store, result: 'hit' },
        s.hits,
      );
      scalar(
        'l1_requests_total',
        'Reads through the L1 tier by result (hit: zero round trips).',
        'counter',
        { store, result: 'miss' },
        s.misses,
      );
      for (const [reason, n] of [
        ['capacity', s.evictions],
        ['expired', s.expirations],
        ['invalidated', s.invalidations],
      ] as const) {
        scalar(
          'l1_evictions_total',
          'Entries that left the L1 tier, by reason.',
          'counter',
          { store, reason },
          n,
        );
      }
      scalar('l1_clears_total', 'Times the whole L1 tier was emptied.', 'counter', { store }, s.clears);
      scalar(
        'l1_publish_errors_total',
        'Invalidation messages that failed to publish.',
        'counter',
        { store },
        s.publishErrors,
      );
      scalar('l1_entries', 'Entries held in the L1 tier.', 'gauge', { store }, s.size);
      scalar('l1_bytes', 'Approximate bytes held in the L1 tier.', 'gauge', { store }, s.bytes);
    }
    const failover = findLayer(state.store, 'failover');
    if (failover) {
      for (const st of STATES) {
        scalar(
          'breaker_state',
          'Circuit breaker state (1 for the current state).',
          'gauge',
          { store, state: st },
          failover.state === st ? 1 : 0,
        );
      }
      for (const [key, n] of state.transitions) {
        scalar(
          'breaker_transitions_total',
          'Circuit breaker state changes.',
          'counter',
          split(key, ['from', 'to'], { store }),
          n,
        );
      }
      const s = failover.stats;
      for (const [target, n] of [
        ['primary', s.primary],
        ['fallback', s.fallback],
        ['rejected', s.rejected],
      ] as const) {
        scalar(
          'failover_calls_total',
          'Calls through the failover layer by where they went.',
          'counter',
          { store, target },
          n,
        );
      }
      scalar(
        'failover_failures_total',
        'Primary calls that failed, by kind.',
        'counter',
        { store, kind: 'connection' },
        s.failures,
      );
      scalar(
        'failover_failures_total',
        'Primary calls that failed, by kind.',
        'counter',
        { store, kind: 'timeout' },
        s.timeouts,
      );
    }
  }
  const out: MetricFamily[] = [];
  for (const [name, f] of counters) out.push({ name, help: f.help, type: f.type, samples: f.samples });
  for (const [name, f] of histograms) out.push({ name, help: f.help, type: 'histogram', samples: f.samples });
  return out.sort((a, b) => (a.name < b.name ? -1 : 1));
}

import { findLayer } from '@raptorflow/core';
import type { HistogramSample, MetricFamily, ScalarSample } from './families.js';
import { QUEUE_STATES, type ScrapeGauges } from './gauges.js';
import type { BucketHistogram } from './histogram.js';
import type { StoreState } from './store-state.js';

/** Every metric family this package can expose (name without the prefix), with its help and type. */
export const FAMILIES: Readonly<
  Record<string, { readonly help: string; readonly type: 'counter' | 'gauge' | 'histogram' }>
> = Object.freeze({
  feature_operations_total: {
    type: 'counter',
    help: 'Operations of RaptorFlow feature packages, by feature, operation and outcome.',
  },
  feature_errors_total: {
    type: 'counter',
    help: 'Feature operations that failed or had a store failure absorbed by their policy, by error code.',
  },
  feature_operation_duration_seconds: {
    type: 'histogram',
    help: 'Duration of feature operations, call to result.',
  },
  kv_command_duration_seconds: {
    type: 'histogram',
    help: 'Duration of store commands and scripts, send to reply (OpenTelemetry: db.client.operation.duration).',
  },
  kv_command_errors_total: {
    type: 'counter',
    help: 'Store commands and scripts that failed, by error code.',
  },
  cache_requests_total: {
    type: 'counter',
    help: 'Cache reads (get, getOrSet) by namespace, tier (l1, l2, none) and result (hit, stale, miss, dedup, error).',
  },
  ratelimit_requests_total: {
    type: 'counter',
    help: 'Rate-limit checks by result (allowed, denied, error), reason and limiter.',
  },
  locks_acquire_total: { type: 'counter', help: 'Lock acquisitions by result (acquired, held, error).' },
  locks_wait_seconds: { type: 'histogram', help: 'Time from an acquire call to holding the lock.' },
  locks_contended_total: { type: 'counter', help: 'Acquisitions that needed more than one attempt.' },
  locks_lost_total: {
    type: 'counter',
    help: 'Locks found lost (expired or taken) on release, extend or by the watchdog.',
  },
  llm_cache_lookups_total: {
    type: 'counter',
    help: 'LLM cache lookups by stage (exact, semantic) and result.',
  },
  llm_cache_refused_total: {
    type: 'counter',
    help: 'LLM cache misses that refused a candidate above the similarity threshold, by reason: the guard that caught a near miss, or ambiguous (two answers too close to choose).',
  },
  llm_cache_saved_tokens_total: {
    type: 'counter',
    help: 'Tokens not sent to a model thanks to the LLM cache, by type (input, output, or total when the event gives no split).',
  },
  llm_cache_saved_cost_total: {
    type: 'counter',
    help: 'Model cost saved by the LLM cache, in the currency of the events.',
  },
  session_created_total: { type: 'counter', help: 'Sessions created (create calls that succeeded).' },
  session_revoked_total: {
    type: 'counter',
    help: 'Sessions ended by destroy (one each) or revokeAll (each session it ended).',
  },
  session_active: {
    type: 'gauge',
    help: "Live sessions (expiry after the store's clock), counted by countActive() at scrape time, at most once per sessionsRefreshMs.",
  },
  session_count_errors_total: {
    type: 'counter',
    help: 'Scrape-time counts of live sessions that failed or timed out (the last count is kept).',
  },
  queue_jobs: {
    type: 'gauge',
    help: 'Jobs per queue and state (waiting, active, delayed, dead, completed), read from the store at scrape time.',
  },
  queue_count_errors_total: {
    type: 'counter',
    help: 'Scrape-time reads of queue counts that failed or timed out (the last counts are kept).',
  },
  l1_requests_total: {
    type: 'counter',
    help: 'Reads through the L1 tier by result (hit: zero round trips).',
  },
  l1_evictions_total: { type: 'counter', help: 'Entries that left the L1 tier, by reason.' },
  l1_clears_total: { type: 'counter', help: 'Times the whole L1 tier was emptied.' },
  l1_publish_errors_total: { type: 'counter', help: 'Invalidation messages that failed to publish.' },
  l1_entries: { type: 'gauge', help: 'Entries held in the L1 tier.' },
  l1_bytes: { type: 'gauge', help: 'Approximate bytes held in the L1 tier.' },
  breaker_state: { type: 'gauge', help: 'Circuit breaker state (1 for the current state).' },
  breaker_transitions_total: { type: 'counter', help: 'Circuit breaker state changes.' },
  failover_calls_total: { type: 'counter', help: 'Calls through the failover layer by where they went.' },
  failover_failures_total: { type: 'counter', help: 'Primary calls that failed, by kind.' },
});

const STATES = ['closed', 'open', 'half-open'] as const;

function hist(labels: Record<string, string>, h: BucketHistogram): HistogramSample {
  return { labels, bounds: h.bounds, cumulative: h.cumulative(), sum: h.sum, count: h.count };
}

/**
 * Every metric family of `states` (names in the README's table), read now. Families without a
 * sample are left out.
 */
export function collectFamilies(
  states: readonly StoreState[],
  prefix: string,
  gauges?: ScrapeGauges,
): MetricFamily[] {
  const scalars = new Map<string, ScalarSample[]>();
  const histograms = new Map<string, HistogramSample[]>();
  const scalar = (name: string, labels: Record<string, string>, value: number) => {
    let list = scalars.get(name);
    if (!list) {
      list = [];
      scalars.set(name, list);
    }
    list.push({ labels, value });
  };
  const histogram = (name: string, sample: HistogramSample) => {
    let list = histograms.get(name);
    if (!list) {
      list = [];
      histograms.set(name, list);
    }
    list.push(sample);
  };

  for (const state of states) {
    const store = state.name;
    for (const [feature, ops] of state.features) {
      for (const [operation, series] of ops) {
        const labels = { store, feature, operation };
        for (const [outcome, n] of series.outcomes()) {
          scalar('feature_operations_total', { ...labels, outcome }, n);
        }
        for (const [code, n] of series.errors()) {
          scalar('feature_errors_total', { ...labels, code }, n);
        }
        histogram('feature_operation_duration_seconds', hist(labels, series.histogram));
      }
    }
    for (const [key, series] of state.commands) {
      const [kind = '', command = ''] = key.split('\t');
      const labels = { store, adapter: state.adapter, kind, command };
      histogram('kv_command_duration_seconds', hist(labels, series.histogram));
      for (const [code, n] of series.errors()) {
        scalar('kv_command_errors_total', { ...labels, code }, n);
      }
    }
    const k = state.known;
    for (const [namespace, tier, result, n] of k.cache.entries()) {
      scalar('cache_requests_total', { store, namespace, tier, result }, n);
    }
    for (const [result, reason, limiter, n] of k.ratelimit.entries()) {
      scalar('ratelimit_requests_total', { store, result, reason, limiter }, n);
    }
    for (const [result, , , n] of k.lockAcquire.entries()) {
      scalar('locks_acquire_total', { store, result }, n);
    }
    if (k.lockWait.count > 0) {
      histogram('locks_wait_seconds', hist({ store }, k.lockWait));
    }
    if (k.lockContended > 0 || k.lockAcquire.size > 0) {
      scalar('locks_contended_total', { store }, k.lockContended);
      scalar('locks_lost_total', { store }, k.lockLost);
    }
    for (const [stage, result, , n] of k.llmLookups.entries()) {
      scalar('llm_cache_lookups_total', { store, stage, result }, n);
    }
    for (const [reason, , , n] of k.llmRefused.entries()) {
      scalar('llm_cache_refused_total', { store, reason }, n);
    }
    for (const [model, type, , n] of k.llmSavedTokens.entries()) {
      scalar('llm_cache_saved_tokens_total', { store, model, type }, n);
    }
    for (const [model, , , n] of k.llmSavedCost.entries()) {
      scalar('llm_cache_saved_cost_total', { store, model }, n);
    }
    if (k.sessionSeen) {
      scalar('session_created_total', { store }, k.sessionCreated);
      scalar('session_revoked_total', { store }, k.sessionRevoked);
    }

    const l1 = findLayer(state.store, 'l1');
    if (l1) {
      const s = l1.stats;
      scalar('l1_requests_total', { store, result: 'hit' }, s.hits);
      scalar('l1_requests_total', { store, result: 'miss' }, s.misses);
      for (const [reason, n] of [
        ['capacity', s.evictions],
        ['expired', s.expirations],
        ['invalidated', s.invalidations],
      ] as const) {
        scalar('l1_evictions_total', { store, reason }, n);
      }
      scalar('l1_clears_total', { store }, s.clears);
      scalar('l1_publish_errors_total', { store }, s.publishErrors);
      scalar('l1_entries', { store }, s.size);
      scalar('l1_bytes', { store }, s.bytes);
    }
    const failover = findLayer(state.store, 'failover');
    if (failover) {
      for (const st of STATES) {
        scalar('breaker_state', { store, state: st }, failover.state === st ? 1 : 0);
      }
      for (const [key, n] of state.transitions) {
        const [before = '', after = ''] = key.split('\t');
        scalar('breaker_transitions_total', { store, from: before, to: after }, n);
      }
      const s = failover.stats;
      for (const [target, n] of [
        ['primary', s.primary],
        ['fallback', s.fallback],
        ['rejected', s.rejected],
      ] as const) {
        scalar('failover_calls_total', { store, target }, n);
      }
      scalar('failover_failures_total', { store, kind: 'connection' }, s.failures);
      scalar('failover_failures_total', { store, kind: 'timeout' }, s.timeouts);
    }
  }
  // Queues are not per store: each has its own name, read from the store it was built on.
  for (const [queue, reading] of gauges?.queues ?? []) {
    const counts = reading.value;
    if (counts !== undefined) {
      for (const state of QUEUE_STATES) {
        const n = counts[state];
        if (typeof n === 'number') scalar('queue_jobs', { queue, state }, n);
      }
    }
    scalar('queue_count_errors_total', { queue }, reading.errors);
  }
  for (const [sessions, reading] of gauges?.sessions ?? []) {
    if (reading.value !== undefined) scalar('session_active', { sessions }, reading.value);
    scalar('session_count_errors_total', { sessions }, reading.errors);
  }
  const out: MetricFamily[] = [];
  for (const [name, family] of Object.entries(FAMILIES)) {
    if (family.type === 'histogram') {
      const samples = histograms.get(name);
      if (samples) out.push({ name: prefix + name, help: family.help, type: 'histogram', samples });
    } else {
      const samples = scalars.get(name);
      if (samples) out.push({ name: prefix + name, help: family.help, type: family.type, samples });
    }
  }
  return out;
}

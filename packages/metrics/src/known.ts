import type { FeatureEvent } from '@raptorflow/core/kit';
import { type Count, CountTree } from './counts.js';
import { BucketHistogram } from './histogram.js';
import { LabelSet } from './labels.js';

/** Which per-feature figures an event feeds (see {@link KnownFeatures.kindOf}). */
export type KnownKind = 0 | 1 | 2 | 3 | 4 | 5;
const NONE = 0;
const CACHE_READ = 1;
const RATELIMIT = 2;
const LOCKS = 3;
const LLM_CACHE = 4;
const SESSION = 5;

/**
 * What the packages' events mean beyond the generic (feature, operation, outcome) counts: the
 * per-feature figures the issue lists, read from each package's documented event fields. Every
 * label value here comes from a closed set or from a {@link LabelSet}.
 */
export class KnownFeatures {
  /** (namespace, tier, result) → count, for cache reads. */
  readonly cache: CountTree = new CountTree();
  /** (result, reason, limiter) → count, for ratelimit `limit`. */
  readonly ratelimit: CountTree = new CountTree();
  /** (result, '', '') → count of lock acquisitions. */
  readonly lockAcquire: CountTree = new CountTree();
  readonly lockWait: BucketHistogram = new BucketHistogram();
  lockContended = 0;
  lockLost = 0;
  /** (stage, result, '') → count of llm-cache lookups. */
  readonly llmLookups: CountTree = new CountTree();
  /** (model, type, '') → saved tokens; (model, '', '') → saved cost. */
  readonly llmSavedTokens: CountTree = new CountTree();
  readonly llmSavedCost: CountTree = new CountTree();
  /** (reason, '', '') → llm-cache misses that refused a candidate, by guard or `ambiguous`. */
  readonly llmRefused: CountTree = new CountTree();
  /** True once a session event was seen (the session families are then exposed, zeros included). */
  sessionSeen = false;
  sessionCreated = 0;
  sessionRevoked = 0;

  readonly #namespaces: LabelSet;
  readonly #limiters: LabelSet;
  readonly #models: LabelSet;
  /** Guard names of llm-cache refusals: a small closed set in the package, bounded here anyway. */
  readonly #refusals = new LabelSet(16);

  constructor(namespaces: LabelSet, limiters: LabelSet, models: LabelSet) {
    this.#namespaces = namespaces;
    this.#limiters = limiters;
    this.#models = models;
  }

  /**
   * Which of the per-feature figures events of `(feature, operation)` feed: a {@link KnownKind},
   * resolved once per raw pair so an event is not matched against every feature name.
   */
  static kindOf(feature: string, operation: string): KnownKind {
    if (feature === 'cache') return operation === 'get' || operation === 'getOrSet' ? CACHE_READ : NONE;
    if (feature === 'ratelimit') return operation === 'limit' ? RATELIMIT : NONE;
    if (feature === 'locks') return LOCKS;
    if (feature === 'llm-cache') return LLM_CACHE;
    if (feature === 'session')
      return operation === 'create' || operation === 'destroy' || operation === 'revokeAll' ? SESSION : NONE;
    return NONE;
  }

  /** Count `e`, of the {@link kindOf} its feature and operation. */
  observe(kind: KnownKind, e: FeatureEvent): void {
    if (kind === CACHE_READ) this.#cache(e);
    else if (kind === RATELIMIT) this.#ratelimit(e);
    else if (kind === LOCKS) this.#locks(e);
    else if (kind === LLM_CACHE) this.#llmCache(e);
    else if (kind === SESSION) this.#session(e);
  }

  #session(e: FeatureEvent): void {
    this.sessionSeen = true;
    if (e.outcome !== 'ok') return;
    if (e.operation === 'create') this.sessionCreated++;
    else if (e.operation === 'destroy') this.sessionRevoked++;
    else {
      const n = e.detail?.revoked;
      if (typeof n === 'number' && Number.isSafeInteger(n) && n > 0) this.sessionRevoked += n;
    }
  }

  // The last label values and their count, per family: consecutive events mostly repeat them
  // (every get an `l1-hit` of one namespace), so the count is bumped without a map lookup.
  #cacheOutcome: string | undefined;
  #cacheNamespace: unknown;
  #cacheCount: Count = { n: 0 };

  #cache(e: FeatureEvent): void {
    const ns = e.detail?.namespace;
    if (e.outcome === this.#cacheOutcome && ns === this.#cacheNamespace) {
      this.#cacheCount.n++;
      return;
    }
    const tier = e.outcome === 'l1-hit' ? 'l1' : e.outcome === 'hit' ? 'l2' : 'none';
    const result = e.outcome === 'l1-hit' ? 'hit' : e.outcome;
    const namespace = typeof ns === 'string' ? this.#namespaces.bound(ns) : '';
    const count = this.cache.at(namespace, tier, result);
    count.n++;
    this.#cacheOutcome = e.outcome;
    this.#cacheNamespace = ns;
    this.#cacheCount = count;
  }

  #rlOutcome: string | undefined;
  #rlReason: unknown;
  #rlLimiter: unknown;
  #rlCount: Count = { n: 0 };

  #ratelimit(e: FeatureEvent): void {
    const d = e.detail;
    const reason = d?.reason;
    const name = d?.limiter;
    if (e.outcome === this.#rlOutcome && reason === this.#rlReason && name === this.#rlLimiter) {
      this.#rlCount.n++;
      return;
    }
    const limiter = typeof name === 'string' ? this.#limiters.bound(name) : '';
    const count = this.ratelimit.at(e.outcome, typeof reason === 'string' ? reason : '', limiter);
    count.n++;
    this.#rlOutcome = e.outcome;
    this.#rlReason = reason;
    this.#rlLimiter = name;
    this.#rlCount = count;
  }

  #locks(e: FeatureEvent): void {
    if (e.operation === 'acquire') {
      this.lockAcquire.at(e.outcome, '', '').n++;
      if (e.outcome === 'acquired') this.lockWait.observe(e.durationMs / 1000);
      const attempts = e.detail?.attempts;
      if (typeof attempts === 'number' && attempts > 1) this.lockContended++;
    } else if (e.operation === 'lost' || e.outcome === 'lost') this.lockLost++;
  }

  #llmCache(e: FeatureEvent): void {
    const d = e.detail;
    const op = e.operation;
    // `@raptorflow/llm-cache` reports `get` and `getOrCall` (`lookup` is the earlier documented name).
    if (op === 'get' || op === 'getOrCall' || op === 'lookup') {
      const hit = e.outcome === 'exact-hit' || e.outcome === 'semantic-hit' || e.outcome === 'hit';
      const raw = typeof d?.stage === 'string' ? d.stage : e.outcome.replace(/-hit$/, '');
      const stage = hit && (raw === 'exact' || raw === 'semantic') ? raw : '';
      this.llmLookups.at(stage, hit ? 'hit' : e.outcome, '').n++;
    }
    if (d === undefined) return;
    // A miss with a candidate above the threshold: the guards that refused it, or a tie.
    if (Array.isArray(d.refused)) {
      for (const guard of new Set(d.refused)) {
        if (typeof guard === 'string') this.llmRefused.at(this.#refusals.bound(guard), '', '').n++;
      }
    }
    if (d.ambiguous === true) this.llmRefused.at('ambiguous', '', '').n++;
    const model = typeof d.model === 'string' ? this.#models.bound(d.model) : '';
    const input = d.savedInputTokens;
    const output = d.savedOutputTokens;
    if (typeof input === 'number') add(this.llmSavedTokens.at(model, 'input', ''), input);
    if (typeof output === 'number') add(this.llmSavedTokens.at(model, 'output', ''), output);
    // The package reports one total (input + output) as `savedTokens`.
    if (typeof input !== 'number' && typeof output !== 'number' && typeof d.savedTokens === 'number')
      add(this.llmSavedTokens.at(model, 'total', ''), d.savedTokens);
    if (typeof d.savedCost === 'number') add(this.llmSavedCost.at(model, '', ''), d.savedCost);
  }
}

function add(count: Count, by: number): void {
  count.n += by;
}

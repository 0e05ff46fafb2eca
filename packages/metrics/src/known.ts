import type { FeatureEvent } from '@raptorflow/core/kit';
import { type Count, CountTree } from './counts.js';
import { BucketHistogram } from './histogram.js';
import type { LabelSet } from './labels.js';

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

  readonly #namespaces: LabelSet;
  readonly #limiters: LabelSet;
  readonly #models: LabelSet;

  constructor(namespaces: LabelSet, limiters: LabelSet, models: LabelSet) {
    this.#namespaces = namespaces;
    this.#limiters = limiters;
    this.#models = models;
  }

  observe(e: FeatureEvent): void {
    const f = e.feature;
    if (f === 'cache') this.#cache(e);
    else if (f === 'ratelimit') this.#ratelimit(e);
    else if (f === 'locks') this.#locks(e);
    else if (f === 'llm-cache') this.#llmCache(e);
  }

  #cache(e: FeatureEvent): void {
    if (e.operation !== 'get' && e.operation !== 'getOrSet') return;
    const tier = e.outcome === 'l1-hit' ? 'l1' : e.outcome === 'hit' ? 'l2' : 'none';
    const result = e.outcome === 'l1-hit' ? 'hit' : e.outcome;
    const ns = e.detail?.namespace;
    const namespace = typeof ns === 'string' ? this.#namespaces.bound(ns) : '';
    this.cache.at(namespace, tier, result).n++;
  }

  #ratelimit(e: FeatureEvent): void {
    if (e.operation !== 'limit') return;
    const reason = typeof e.detail?.reason === 'string' ? e.detail.reason : '';
    const name = e.detail?.limiter;
    const limiter = typeof name === 'string' ? this.#limiters.bound(name) : '';
    this.ratelimit.at(e.outcome, reason, limiter).n++;
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
    if (e.operation === 'lookup') {
      const stage = typeof d?.stage === 'string' ? d.stage : e.outcome.replace(/-hit$/, '');
      const result = e.outcome.endsWith('hit') ? 'hit' : e.outcome;
      this.llmLookups.at(stage === 'miss' || stage === 'error' ? '' : stage, result, '').n++;
    }
    if (d === undefined) return;
    const model = typeof d.model === 'string' ? this.#models.bound(d.model) : '';
    if (typeof d.savedInputTokens === 'number')
      add(this.llmSavedTokens.at(model, 'input', ''), d.savedInputTokens);
    if (typeof d.savedOutputTokens === 'number')
      add(this.llmSavedTokens.at(model, 'output', ''), d.savedOutputTokens);
    if (typeof d.savedCost === 'number') add(this.llmSavedCost.at(model, '', ''), d.savedCost);
  }
}

function add(count: Count, by: number): void {
  count.n += by;
}

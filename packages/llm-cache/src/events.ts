import type { KvStore } from '@raptorflow/core';
import type { Emitter } from '@raptorflow/core/kit';
import {
  emitOperation as emitFeatureOperation,
  type FeatureEvents,
  featureEvents,
} from '@raptorflow/core/kit';

/** The package's name in keys (`rf:llm-cache:`) and in its events' `feature` field. */
export const FEATURE = 'llm-cache';

/** The operations this package reports, as `FeatureEvent.operation`. */
export type LlmCacheOperation = 'get' | 'getOrCall' | 'set' | 'setMany' | 'invalidate';

/** The store's feature-event hub; see `featureEvents` in `@raptorflow/core/kit`. */
export type FeatureHub = Emitter<FeatureEvents>;

/** The hub this package emits to: one per underlying store, shared with every other package. */
export function featureHub(store: KvStore): FeatureHub {
  return featureEvents(store);
}

/** When an operation started; see `operationStart` in `@raptorflow/core/kit`. */
export { operationStart } from '@raptorflow/core/kit';

/**
 * Report one finished operation in the kit's `FeatureEvent` shape. Outcomes: `exact-hit`,
 * `semantic-hit`, `miss`, `dedup`, `bypass`, `ok`, `error`.
 */
export function emitOperation(
  hub: FeatureHub,
  operation: LlmCacheOperation,
  started: number,
  outcome: string,
  tenant: string,
  error?: unknown,
  detail?: Readonly<Record<string, unknown>>,
): void {
  emitFeatureOperation(hub, { feature: FEATURE, operation, started, outcome, tenant, error, detail });
}

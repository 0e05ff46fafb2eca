import type { KvStore } from '@raptorflow/core';
import type { Emitter } from '@raptorflow/core/kit';
import {
  emitOperation as emitFeatureOperation,
  type FeatureEvents,
  featureEvents,
} from '@raptorflow/core/kit';

/** The package's name in keys (`rf:session:`) and in its events' `feature` field. */
export const FEATURE = 'session';

/** The operations this package reports, as `FeatureEvent.operation`. */
export type SessionOperation =
  | 'create'
  | 'get'
  | 'update'
  | 'extend'
  | 'destroy'
  | 'rotate'
  | 'list'
  | 'revokeAll'
  | 'countActive';

/** The store's feature-event hub; see `featureEvents` in `@raptorflow/core/kit`. */
export type FeatureHub = Emitter<FeatureEvents>;

/** The hub this package emits to: one per underlying store, shared with every other package. */
export function featureHub(store: KvStore): FeatureHub {
  return featureEvents(store);
}

/** When an operation started; see `operationStart` in `@raptorflow/core/kit`. */
export { operationStart } from '@raptorflow/core/kit';

/** Report one finished operation in the kit's `FeatureEvent` shape. */
export function emitOperation(
  hub: FeatureHub,
  operation: SessionOperation,
  started: number,
  outcome: string,
  error?: unknown,
  tenant?: string,
  detail?: Readonly<Record<string, unknown>>,
): void {
  emitFeatureOperation(hub, { feature: FEATURE, operation, started, outcome, error, tenant, detail });
}

import type { KvStore } from '@raptorflow/core';
import type { Emitter } from '@raptorflow/core/kit';
import {
  emitOperation as emitFeatureOperation,
  type FeatureEvents,
  featureEvents,
} from '@raptorflow/core/kit';

/** The package's name in keys (`rf:queue:`) and in its events' `feature` field. */
export const FEATURE = 'queue';

/**
 * The operations this package reports, as `FeatureEvent.operation`: `enqueue` (outcome
 * `enqueued` or `duplicate`), `job` (one per finished delivery: `completed`, `retried`,
 * `delayed`, `dead`, `released`, `stale`, `lease-lost`), `claim` (outcome `claimed` or `empty`).
 */
export type QueueOperation = 'enqueue' | 'claim' | 'job';

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
  operation: QueueOperation,
  started: number,
  outcome: string,
  error?: unknown,
  detail?: Readonly<Record<string, unknown>>,
): void {
  emitFeatureOperation(hub, { feature: FEATURE, operation, started, outcome, error, detail });
}

/** One job event of {@link QueueEvents}. */
export interface JobEvent {
  /** The queue's name. */
  readonly queue: string;
  readonly id: string;
  /** Deliveries so far, this one included. */
  readonly deliveries: number;
}

/** The events of a queue (`queue.events`), for logs and metrics of single jobs. */
export interface QueueEvents extends Record<string, unknown> {
  enqueued: JobEvent & { readonly duplicate: boolean };
  started: JobEvent;
  completed: JobEvent;
  /** The handler threw (or timed out); `outcome` says what the queue did with the job. */
  failed: JobEvent & {
    readonly error: unknown;
    readonly outcome: 'retried' | 'delayed' | 'dead' | 'released' | 'stale';
  };
  retried: JobEvent & { readonly delayMs: number };
  'dead-lettered': Omit<JobEvent, 'deliveries'> & { readonly reason: string };
  /** A renewal found the lease gone, or a completion was refused for a stale token. */
  'lease-lost': JobEvent;
  /** A store failure in a worker's background loop (it retries with backoff; nothing is thrown). */
  error: { readonly queue: string; readonly error: unknown; readonly during: string };
}

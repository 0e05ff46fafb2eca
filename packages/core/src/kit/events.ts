import type { KvDriver } from '../driver.js';
import { isKvError, type KvErrorCode } from '../errors.js';
import { Emitter } from '../events.js';
import { rootDriver } from '../layers/find.js';
import type { KvStore } from '../types.js';

/**
 * One operation of a feature package, in the one shape every package emits, so the metrics
 * package counts all of them the same way (rates, outcomes, latency).
 */
export interface FeatureEvent {
  /** The package: `cache`, `ratelimit`, `queue`, `locks`, `session`, `llm-cache`. */
  readonly feature: string;
  /** What was called: `get`, `getOrSet`, `limit`, `enqueue`, `acquire`. */
  readonly operation: string;
  /**
   * The tenant (workspace) the call was for, when the feature has one. An event field, never a
   * metric label by default: one label value per tenant would make metric cardinality unbounded.
   */
  readonly tenant?: string | undefined;
  /**
   * How it ended, in the feature's words: `hit`, `miss`, `stale`, `allowed`, `denied`,
   * `acquired`, `error`... `error` when it threw.
   */
  readonly outcome: string;
  /**
   * Time from the call to its result, in ms (fractional). `0` for an answer given synchronously
   * from process memory, with no I/O and nothing awaited (an L1 hit, a check on the memory
   * store): it takes well under a microsecond, inside the lowest bucket of any latency
   * histogram, and the two clock reads that would time it cost about 0.1 µs on Node 20, a
   * third of the answer itself.
   */
  readonly durationMs: number;
  /** The code of the error when `outcome` is `error` (or when a failure policy absorbed one). */
  readonly error?: KvErrorCode | undefined;
  /** A few feature-specific fields (`remaining` of a limit, `attempt` of a job). */
  readonly detail?: Readonly<Record<string, unknown>> | undefined;
}

/** Events of the per-store hub; see {@link featureEvents}. */
export interface FeatureEvents extends Record<string, unknown> {
  /** One per feature operation. */
  operation: FeatureEvent;
}

const HUBS = new WeakMap<KvDriver, Emitter<FeatureEvents>>();

/**
 * The feature-event hub of a store: one per underlying adapter, so every package built on the
 * store, on any layer stack or namespace view of it, emits to the same place and the metrics
 * package listens once: `featureEvents(store).on('operation', e => …)`.
 *
 * Emit through {@link emitFeatureEvent} guarded by `hub.has('operation')`: with no listener a
 * call builds no event object and reads no clock.
 */
export function featureEvents(store: KvStore): Emitter<FeatureEvents> {
  const root = rootDriver(store);
  let hub = HUBS.get(root);
  if (!hub) {
    hub = new Emitter<FeatureEvents>();
    HUBS.set(root, hub);
  }
  return hub;
}

/**
 * When a feature operation started (`performance.now()`, ms), or `-1` when nobody listens on
 * `hub`: then the call reads no clock and {@link emitOperation} builds no event.
 */
export function operationStart(hub: Emitter<FeatureEvents>): number {
  return hub.has('operation') ? performance.now() : -1;
}

/** What {@link emitOperation} reports: a {@link FeatureEvent} with its start time instead of its duration. */
export interface FinishedOperation {
  readonly feature: string;
  readonly operation: string;
  /** From {@link operationStart}. */
  readonly started: number;
  readonly outcome: string;
  /** The error the call threw or a failure policy absorbed; its code goes in the event when it is a KvError. */
  readonly error?: unknown;
  readonly tenant?: string | undefined;
  readonly detail?: Readonly<Record<string, unknown>> | undefined;
}

/**
 * Report one finished operation in the {@link FeatureEvent} shape, the one way every feature
 * package emits. A listener added mid-call gets no event for it: there is no start time.
 */
export function emitOperation(hub: Emitter<FeatureEvents>, op: FinishedOperation): void {
  if (op.started < 0 || !hub.has('operation')) return;
  hub.emit('operation', {
    feature: op.feature,
    operation: op.operation,
    tenant: op.tenant,
    outcome: op.outcome,
    durationMs: performance.now() - op.started,
    error: isKvError(op.error) ? op.error.code : undefined,
    detail: op.detail,
  });
}

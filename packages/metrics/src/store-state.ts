import { findLayer, type KvStore } from '@raptorflow/core';
import type { FeatureEvent } from '@raptorflow/core/kit';
import { featureEvents } from '@raptorflow/core/kit';
import { KnownFeatures, type KnownKind } from './known.js';
import { LabelSet } from './labels.js';
import type { ResolvedMetricsOptions } from './options.js';
import { bump, OperationSeries } from './series.js';

/** A command or script event of the `instrument` layer, as metrics reads it. */
export interface CallEvent {
  readonly kind: 'command' | 'script';
  readonly name: string;
  readonly durationMs: number;
  readonly error: string | undefined;
}

/** Something metrics tells its observers (the OpenTelemetry bridge) per recorded event. */
export interface Observer {
  operation?(store: string, feature: string, operation: string, outcome: string, durationMs: number): void;
  call?(
    store: string,
    adapter: string,
    kind: string,
    command: string,
    durationMs: number,
    error: string | undefined,
  ): void;
}

/** What the events of one raw (feature, operation) pair update. */
interface RawEntry {
  readonly series: OperationSeries;
  readonly known: KnownKind;
}

/** Everything counted for one store passed to `createMetrics`. */
export class StoreState {
  readonly name: string;
  readonly store: KvStore;
  readonly adapter: string;
  /** feature → operation → series. */
  readonly features: Map<string, Map<string, OperationSeries>> = new Map<
    string,
    Map<string, OperationSeries>
  >();
  /** `kind\tname` → series of store commands (from an `instrument` layer). */
  readonly commands: Map<string, OperationSeries> = new Map<string, OperationSeries>();
  readonly known: KnownFeatures;
  /** `from\tto` → breaker transitions. */
  readonly transitions: Map<string, number> = new Map<string, number>();
  readonly #features: LabelSet;
  readonly #operations = new Map<string, LabelSet>();
  readonly #outcomes: number;
  readonly #commands: LabelSet;
  readonly #opts: ResolvedMetricsOptions;
  /** raw feature → raw operation → its series (overflowed names share `_other`'s) and known kind. */
  readonly #byRaw: Map<string, Map<string, RawEntry>> = new Map();
  readonly #labelsOf: Map<OperationSeries, [string, string]> = new Map();
  /** Raw command / script name → series. */
  readonly #plain: Map<string, OperationSeries> = new Map();
  readonly #scripts: Map<string, OperationSeries> = new Map();
  readonly #offs: Array<() => void> = [];

  constructor(
    name: string,
    store: KvStore,
    opts: ResolvedMetricsOptions,
    now: () => number,
    observers: readonly Observer[],
    hooks: {
      onOperation(state: StoreState, e: FeatureEvent): void;
      onCall(state: StoreState, e: CallEvent): void;
      onBreaker(state: StoreState, from: string, to: string, at: number): void;
    },
    /** True the first time a layer control is claimed: two names on one stack count its events once. */
    claim: (control: object) => boolean,
  ) {
    this.name = name;
    this.store = store;
    this.adapter = store.name;
    this.#opts = opts;
    const l = opts.limits;
    this.#features = new LabelSet(l.features);
    this.#outcomes = l.outcomes;
    this.#commands = new LabelSet(l.commands);
    this.known = new KnownFeatures(
      new LabelSet(l.namespaces, opts.namespaces),
      new LabelSet(l.limiters),
      new LabelSet(l.models),
    );
    if (claim(featureEvents(store))) {
      // Consecutive events mostly come from one (feature, operation): its entry is reused
      // without a lookup; other raw names map to their entry in two map lookups, no string built.
      let lastFeature: string | undefined;
      let lastOperation: string | undefined;
      let last: RawEntry | undefined;
      this.#offs.push(
        featureEvents(store).on('operation', (e) => {
          let entry = last;
          if (e.feature !== lastFeature || e.operation !== lastOperation || entry === undefined) {
            entry = this.#entry(e.feature, e.operation);
            lastFeature = e.feature;
            lastOperation = e.operation;
            last = entry;
          }
          const series = entry.series;
          series.observe(now(), e.outcome, e.durationMs, e.error);
          if (entry.known !== 0) this.known.observe(entry.known, e);
          if (observers.length > 0) {
            const outcome = series.outcomeLabels.bound(e.outcome);
            const [feature, operation] = this.#labelsOf.get(series) as [string, string];
            for (const o of observers) o.operation?.(name, feature, operation, outcome, e.durationMs);
          }
          if (e.error !== undefined) hooks.onOperation(this, e);
        }),
      );
    }
    const instrumented = findLayer(store, 'instrument');
    if (instrumented && claim(instrumented)) {
      this.#offs.push(
        instrumented.events.on('call', (e) => {
          const byName = e.kind === 'script' ? this.#scripts : this.#plain;
          let series = byName.get(e.name);
          const command = this.#commands.bound(e.name);
          if (series === undefined) {
            const key = `${e.kind}\t${command}`;
            series = this.commands.get(key);
            if (series === undefined) {
              series = new OperationSeries(new LabelSet(2));
              this.commands.set(key, series);
            }
            byName.set(e.name, series);
          }
          series.observe(now(), e.error === undefined ? 'ok' : 'error', e.durationMs, e.error);
          for (const o of observers) o.call?.(name, e.adapter, e.kind, command, e.durationMs, e.error);
          if (e.error !== undefined) hooks.onCall(this, e);
        }),
      );
    }
    const failover = findLayer(store, 'failover');
    if (failover && claim(failover.events)) {
      this.#offs.push(
        failover.events.on('state', (t) => {
          bump(this.transitions, `${t.from}\t${t.to}`);
          hooks.onBreaker(this, t.from, t.to, t.at);
        }),
      );
    }
  }

  /** The entry of raw (feature, operation) names. */
  #entry(feature: string, operation: string): RawEntry {
    let byOp = this.#byRaw.get(feature);
    if (byOp === undefined) {
      byOp = new Map();
      this.#byRaw.set(feature, byOp);
    }
    let entry = byOp.get(operation);
    if (entry === undefined) {
      entry = { series: this.#series(feature, operation), known: KnownFeatures.kindOf(feature, operation) };
      byOp.set(operation, entry);
    }
    return entry;
  }

  /** The series of (feature, operation), with both bounded. */
  #series(rawFeature: string, rawOperation: string): OperationSeries {
    const feature = this.#features.bound(rawFeature);
    let ops = this.features.get(feature);
    if (ops === undefined) {
      ops = new Map();
      this.features.set(feature, ops);
      this.#operations.set(feature, new LabelSet(this.#opts.limits.operations));
    }
    const operation = (this.#operations.get(feature) as LabelSet).bound(rawOperation);
    let series = ops.get(operation);
    if (series === undefined) {
      series = new OperationSeries(new LabelSet(this.#outcomes));
      ops.set(operation, series);
      this.#labelsOf.set(series, [feature, operation]);
    }
    return series;
  }

  get options(): ResolvedMetricsOptions {
    return this.#opts;
  }

  /** Stop listening. */
  close(): void {
    for (const off of this.#offs.splice(0)) off();
  }
}

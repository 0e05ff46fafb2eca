/** Label names to values of one sample. */
export type Labels = Readonly<Record<string, string>>;

/** One counter or gauge sample. */
export interface ScalarSample {
  readonly labels: Labels;
  readonly value: number;
}

/** One histogram series: bounds in seconds, cumulative counts per bound then `+Inf`. */
export interface HistogramSample {
  readonly labels: Labels;
  readonly bounds: readonly number[];
  readonly cumulative: readonly number[];
  readonly sum: number;
  readonly count: number;
}

/**
 * One metric family, the runtime-neutral form every exporter reads (Prometheus text, a
 * prom-client registry, OpenTelemetry). `name` is the Prometheus name, with its prefix.
 */
export type MetricFamily =
  | {
      readonly name: string;
      readonly help: string;
      readonly type: 'counter' | 'gauge';
      readonly samples: readonly ScalarSample[];
    }
  | {
      readonly name: string;
      readonly help: string;
      readonly type: 'histogram';
      readonly samples: readonly HistogramSample[];
    };

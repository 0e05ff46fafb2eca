/**
 * `@raptorflow/metrics`: the public surface. Everything a user imports is exported here and
 * nowhere else (one entry, `"."`).
 */

export { FAMILIES } from './collect.js';
export { METRICS_ERRORS, type MetricsErrorCode } from './errors.js';
export type { MetricsOperation } from './events.js';
export type { HistogramSample, Labels, MetricFamily, ScalarSample } from './families.js';
export { QUEUE_STATES, type QueueCounts, type QueueSource, type SessionsSource } from './gauges.js';
export { createHandlers, type Handlers, type HandlersOptions } from './handlers.js';
export { type HealthOptions, type HealthReport, health } from './health.js';
export { DURATION_BUCKETS } from './histogram.js';
export { OVERFLOW } from './labels.js';
export type { LogKind, MetricsAlert, MetricsLogger } from './logger.js';
export { createMetrics, type Metrics } from './metrics.js';
export type { MetricsLimits, MetricsOptions } from './options.js';
export { OTEL_DB_BUCKETS, otelName, registerOpenTelemetry } from './otel.js';
export { type PromClientRegistry, registerPromClient } from './prom-client.js';
export { formatValue, PROMETHEUS_CONTENT_TYPE, toPrometheusText } from './prometheus.js';
export {
  encodeUsageRows,
  METRICS_SCRIPTS,
  parseUsageRecordReply,
  USAGE_RECORD,
  type UsageRow,
} from './scripts/index.js';
export {
  type MemoryServerFigures,
  parseInfo,
  type RedisServerFigures,
  type ServerFigures,
  type UpstashServerFigures,
} from './server-info.js';
export type {
  L1Window,
  MetricsSnapshot,
  OperationSnapshot,
  StoreSnapshot,
  Windows,
} from './snapshot.js';
export {
  createUsage,
  type Usage,
  type UsageEntry,
  type UsageEventSource,
  type UsageOptions,
  type UsageRange,
  type UsageReport,
  type UsageTotals,
} from './usage.js';
export type { WindowSummary } from './window.js';

import type { KvStore } from '@raptorflow/core';
import { parseOptions } from '@raptorflow/core/kit';
import { z } from 'zod';
import type { QueueSource, SessionsSource } from './gauges.js';
import type { MetricsAlert, MetricsLogger } from './logger.js';

/** Most distinct values kept per label; later values are counted under `_other`. */
export interface MetricsLimits {
  /** Feature names (`cache`, `queue`...). @default 32 */
  features?: number | undefined;
  /** Operations per feature. @default 32 */
  operations?: number | undefined;
  /** Outcomes per operation. @default 16 */
  outcomes?: number | undefined;
  /** Cache namespaces (unless `namespaces` lists them). @default 50 */
  namespaces?: number | undefined;
  /** Rate limiter names (from an event's `detail.limiter`). @default 50 */
  limiters?: number | undefined;
  /** LLM model names (llm-cache savings). @default 50 */
  models?: number | undefined;
  /** Store command and script names. @default 128 */
  commands?: number | undefined;
}

/** Options of {@link createMetrics}. */
export interface MetricsOptions {
  /** The store to observe (labelled `store="default"`). Give `store` or `stores`. */
  store?: KvStore | undefined;
  /** Several stores, by the name each gets as its `store` label (a name you choose, never a key). */
  stores?: Readonly<Record<string, KvStore>> | undefined;
  /** Prefix of every Prometheus metric name. @default 'raptorflow_' */
  prefix?: string | undefined;
  /** The only cache namespaces kept as label values; others are `_other`. @default the first `limits.namespaces` seen */
  namespaces?: readonly string[] | undefined;
  /** Label cardinality limits. */
  limits?: MetricsLimits | undefined;
  /** Clock of the rolling windows, ms since the epoch; tests pass a fake one. @default Date.now */
  clock?: (() => number) | undefined;
  /**
   * Where breaker transitions, fallbacks and store errors are written (`console` works). Off
   * when absent. Rate-limited: see `logsPerMinute`.
   */
  logger?: MetricsLogger | undefined;
  /** Most log lines per kind (breaker, fallback, store-error) per minute; the rest are counted and summarised. @default 10 */
  logsPerMinute?: number | undefined;
  /** Called on every breaker state change (not rate-limited). */
  onAlert?: ((alert: MetricsAlert) => void) | undefined;
  /**
   * Queues whose jobs per state (waiting, active, delayed, dead, completed) are read at scrape
   * time: `@raptorflow/queue` queues (`counts()`, one round trip each). Names must differ.
   */
  queues?: readonly QueueSource[] | undefined;
  /**
   * Session stores whose live sessions are counted at scrape time (gauge `session_active`): a
   * `@raptorflow/session` `createSessions(...)` result (`countActive()`), or several as
   * `{ name, countActive }` (the `sessions` label; names must differ). Opt-in: a count costs
   * 4,096 commands (a TIME and 4,096 ZCOUNTs in 8 batches), so it is read at most every
   * `sessionsRefreshMs`.
   */
  sessions?: SessionsSource | readonly SessionsSource[] | undefined;
  /** Session counts closer together than this reuse the last one, ms. @default 60000 */
  sessionsRefreshMs?: number | undefined;
  /** Time limit of one scrape-time read (`queues`, `sessions`), ms; a slower read keeps the last value. @default 1000 */
  scrapeTimeoutMs?: number | undefined;
}

/** {@link MetricsOptions} once validated. */
export interface ResolvedMetricsOptions {
  readonly stores: ReadonlyArray<readonly [string, KvStore]>;
  readonly prefix: string;
  readonly namespaces: readonly string[] | undefined;
  readonly limits: Readonly<Required<{ [K in keyof MetricsLimits]: number }>>;
  readonly clock: () => number;
  /** True when `clock` is the default: the windows may then read a cached clock (see metrics.ts). */
  readonly coarseClock: boolean;
  readonly logger: MetricsLogger | undefined;
  readonly logsPerMinute: number;
  readonly onAlert: ((alert: MetricsAlert) => void) | undefined;
  readonly queues: readonly QueueSource[];
  readonly sessions: readonly SessionsSource[];
  readonly sessionsRefreshMs: number;
  readonly scrapeTimeoutMs: number;
}

const isStore = (value: unknown): value is KvStore =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as Partial<KvStore>).eval === 'function' &&
  typeof (value as Partial<KvStore>).namespace === 'function';

const store = z.custom<KvStore>(isStore, 'expected a RaptorFlow KV store');
const limit = (d: number) => z.number().int().min(1).max(10_000).default(d);
const fn = <T>() => z.custom<T>((v) => typeof v === 'function', 'expected a function');

const sessionsSource = z.custom<SessionsSource>(
  (v) =>
    typeof v === 'object' &&
    v !== null &&
    typeof (v as SessionsSource).countActive === 'function' &&
    ((v as SessionsSource).name === undefined ||
      (typeof (v as SessionsSource).name === 'string' &&
        /^[\w.:-]{1,64}$/.test((v as { name: string }).name))),
  'expected sessions: { countActive() } (createSessions), with an optional name of 1-64 [A-Za-z0-9_.:-]',
);

const SCHEMA = z
  .strictObject({
    store: store.optional(),
    stores: z
      .record(z.string().regex(/^[\w.:-]{1,64}$/, 'names are 1-64 of [A-Za-z0-9_.:-]'), store)
      .optional(),
    prefix: z
      .string()
      .regex(
        /^([a-zA-Z_:][a-zA-Z0-9_:]*)?$/,
        'must be a Prometheus metric name prefix ([a-zA-Z_:][a-zA-Z0-9_:]*)',
      )
      .default('raptorflow_'),
    namespaces: z.array(z.string()).optional(),
    limits: z
      .strictObject({
        features: limit(32),
        operations: limit(32),
        outcomes: limit(16),
        namespaces: limit(50),
        limiters: limit(50),
        models: limit(50),
        commands: limit(128),
      })
      .default({
        features: 32,
        operations: 32,
        outcomes: 16,
        namespaces: 50,
        limiters: 50,
        models: 50,
        commands: 128,
      }),
    clock: fn<() => number>().optional(),
    logger: z
      .custom<MetricsLogger>(
        (v) =>
          typeof v === 'object' &&
          v !== null &&
          typeof (v as MetricsLogger).warn === 'function' &&
          typeof (v as MetricsLogger).error === 'function',
        'expected an object with warn and error functions (console works)',
      )
      .optional(),
    logsPerMinute: z.number().int().min(0).default(10),
    onAlert: fn<(alert: MetricsAlert) => void>().optional(),
    queues: z
      .array(
        z.custom<QueueSource>(
          (v) =>
            typeof v === 'object' &&
            v !== null &&
            typeof (v as QueueSource).name === 'string' &&
            typeof (v as QueueSource).counts === 'function',
          'expected a queue: { name, counts() }',
        ),
      )
      .max(1000)
      .refine((qs) => new Set(qs.map((q) => q.name)).size === qs.length, 'two queues have the same name')
      .default([]),
    sessions: z
      .union([sessionsSource, z.array(sessionsSource).max(100)])
      .transform((v) => (Array.isArray(v) ? v : [v]) as readonly SessionsSource[])
      .refine(
        (ss) => new Set(ss.map((s) => s.name ?? 'default')).size === ss.length,
        'two session sources have the same name',
      )
      .default([]),
    sessionsRefreshMs: z.number().int().min(1000).max(86_400_000).default(60_000),
    scrapeTimeoutMs: z.number().int().min(1).max(60_000).default(1000),
  })
  .superRefine((o, ctx) => {
    if (
      (o.store === undefined) === (o.stores === undefined) ||
      (o.stores && Object.keys(o.stores).length === 0)
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['store'],
        message: 'give one store, or stores: { name: store }',
      });
    }
  });

/** Validate {@link MetricsOptions} once; a bad one is `E_INVALID_OPTIONS` naming the field. */
export function parseMetricsOptions(input: MetricsOptions): ResolvedMetricsOptions {
  const o = parseOptions('createMetrics', SCHEMA, input);
  return {
    stores: o.store !== undefined ? [['default', o.store]] : Object.entries(o.stores ?? {}),
    prefix: o.prefix,
    namespaces: o.namespaces,
    limits: o.limits,
    clock: o.clock ?? Date.now,
    coarseClock: o.clock === undefined,
    logger: o.logger,
    logsPerMinute: o.logsPerMinute,
    onAlert: o.onAlert,
    queues: o.queues,
    sessions: o.sessions,
    sessionsRefreshMs: o.sessionsRefreshMs,
    scrapeTimeoutMs: o.scrapeTimeoutMs,
  };
}

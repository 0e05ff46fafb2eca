import type { KvStore } from '@raptorflow/core';
import {
  type Duration,
  describeValue,
  durationSchema,
  type FeatureEvent,
  featureEvents,
  featureKeyspace,
  invalidArgument,
  parseOptions,
} from '@raptorflow/core/kit';
import { z } from 'zod';
import { METRICS_ERRORS } from './errors.js';
import { emitOperation, FEATURE, featureHub, operationStart } from './events.js';
import { encodeUsageRows, USAGE_RECORD, type UsageRow } from './scripts/index.js';

/** One model call to account for. */
export interface UsageEntry {
  /** The model (`gpt-4o`); a hash field, never a metric label. */
  model?: string | undefined;
  /** Whole number >= 0. */
  inputTokens?: number | undefined;
  /** Whole number >= 0. */
  outputTokens?: number | undefined;
  /** Cost in your currency (e.g. USD), >= 0; kept exact to 1e-6 (stored as whole micro-units). */
  cost?: number | undefined;
}

/** Which feature events land in usage: see {@link UsageOptions.events}. */
export interface UsageEventSource {
  /** The `feature` of the events, e.g. `llm-cache`. */
  feature: string;
  /** Only this `operation`. @default every operation */
  operation?: string | undefined;
  /**
   * `saved`: read `detail.savedInputTokens`, `detail.savedOutputTokens`, `detail.savedCost`
   * (tokens and cost a cache hit avoided); `usage`: read `detail.inputTokens`,
   * `detail.outputTokens`, `detail.cost`. Both take `detail.model`; the workspace is the event's
   * `tenant` (events without one are ignored).
   */
  kind: 'saved' | 'usage';
}

/** Options of {@link createUsage}. */
export interface UsageOptions {
  /** The store; usage lives in it (hashes per workspace per day and per month). */
  store: KvStore;
  /** How long a day hash lives after its last write. @default '90d' */
  dayRetention?: Duration | undefined;
  /** How long a month hash lives after its last write. @default '400d' */
  monthRetention?: Duration | undefined;
  /**
   * Records arriving within this many ms are merged and written together (one script call per
   * workspace, all in one round trip). 0: those of the same tick. @default 0
   */
  batchMs?: number | undefined;
  /**
   * Feature events that land in usage, e.g. llm-cache's savings:
   * `[{ feature: 'llm-cache', kind: 'saved' }]`. @default none
   */
  events?: readonly UsageEventSource[] | undefined;
  /** Where the keys live, under the store's own namespace. @default 'rf:metrics:' */
  prefix?: string | undefined;
  /** The clock that picks the day and month (UTC), ms since the epoch. @default Date.now */
  clock?: (() => number) | undefined;
}

/** Sums over a period or a range. Cost is in the currency of the records. */
export interface UsageTotals {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cost: number;
  readonly calls: number;
  readonly savedInputTokens: number;
  readonly savedOutputTokens: number;
  readonly savedCost: number;
  /** Calls a cache answered (savings records). */
  readonly savedCalls: number;
}

/** What {@link Usage.report} returns. */
export interface UsageReport {
  readonly workspace: string;
  /** `day` (`YYYY-MM-DD`) or `month` (`YYYY-MM`) periods, UTC. */
  readonly granularity: 'day' | 'month';
  readonly total: UsageTotals;
  readonly byModel: Readonly<Record<string, UsageTotals>>;
  /** Each period of the range, oldest first, empty ones included. */
  readonly periods: ReadonlyArray<UsageTotals & { readonly period: string }>;
}

/** A range for {@link Usage.report}: inclusive UTC dates (`Date`, ms or `YYYY-MM-DD`). */
export interface UsageRange {
  from: Date | number | string;
  to: Date | number | string;
  /** @default 'day' */
  granularity?: 'day' | 'month' | undefined;
}

/** Per-workspace usage in the store; see {@link createUsage}. */
export interface Usage {
  /**
   * Add one model call's tokens and cost to the workspace's day and month. One round trip
   * (one script) for a lone call; calls arriving together are merged. Resolves once stored.
   */
  record(workspace: string, entry: UsageEntry): Promise<void>;
  /** Add tokens and cost a cache avoided (llm-cache savings). */
  recordSaving(workspace: string, entry: UsageEntry): Promise<void>;
  /** Sums of a workspace over a range of days or months, in one round trip. */
  report(workspace: string, range: UsageRange): Promise<UsageReport>;
  /** Write what is pending now. */
  flush(): Promise<void>;
  /** Stop listening to events and write what is pending. */
  close(): Promise<void>;
}

const MAX_PERIODS = 400;
const MAX_ROWS_PER_CALL = 500;
const MICROS = 1_000_000;

const SCHEMA = z.strictObject({
  store: z.custom<KvStore>(
    (v) => typeof v === 'object' && v !== null && typeof (v as KvStore).eval === 'function',
    'expected a RaptorFlow KV store',
  ),
  dayRetention: durationSchema().default(90 * 86_400_000),
  monthRetention: durationSchema().default(400 * 86_400_000),
  batchMs: z.number().int().min(0).max(60_000).default(0),
  events: z
    .array(
      z.strictObject({
        feature: z.string().min(1),
        operation: z.string().min(1).optional(),
        kind: z.enum(['saved', 'usage']),
      }),
    )
    .default([]),
  prefix: z.string().optional(),
  clock: z.custom<() => number>((v) => typeof v === 'function', 'expected a function').optional(),
});

const EMPTY: UsageTotals = Object.freeze({
  inputTokens: 0,
  outputTokens: 0,
  cost: 0,
  calls: 0,
  savedInputTokens: 0,
  savedOutputTokens: 0,
  savedCost: 0,
  savedCalls: 0,
});

function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function toMs(value: Date | number | string, field: string): number {
  const ms =
    value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(`${value}`);
  if (!Number.isFinite(ms)) {
    throw invalidArgument(
      'report',
      `${field}: expected a Date, ms or YYYY-MM-DD, got ${describeValue(value)}`,
    );
  }
  return ms;
}

function count(value: unknown, field: string, op: string): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalidArgument(op, `${field}: must be a whole number >= 0, got ${describeValue(value)}`);
  }
  return value;
}

function micros(value: unknown, op: string): number {
  if (value === undefined) return 0;
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value < 0 ||
    value * MICROS > Number.MAX_SAFE_INTEGER
  ) {
    throw invalidArgument(op, `cost: must be a finite number >= 0, got ${describeValue(value)}`);
  }
  return Math.round(value * MICROS);
}

/** Read one hash into totals (and per model), refusing a field that is not a whole number. */
function readHash(
  hash: Record<string, string>,
  byModel: Map<string, Record<string, number>> | undefined,
  key: string,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [field, raw] of Object.entries(hash)) {
    const n = Number(raw);
    if (!Number.isSafeInteger(n)) {
      throw METRICS_ERRORS.error(
        'E_METRICS_USAGE_CORRUPT',
        `report: ${key} field ${field} holds ${describeValue(raw)}`,
      );
    }
    const m = /^model:(.*?):((?:saved:)?(?:in|out|cost|calls))$/s.exec(field);
    if (m) {
      if (byModel) {
        const model = m[1] as string;
        const row = byModel.get(model) ?? {};
        row[m[2] as string] = (row[m[2] as string] ?? 0) + n;
        byModel.set(model, row);
      }
    } else out[field] = (out[field] ?? 0) + n;
  }
  return out;
}

function totals(raw: Record<string, number>): UsageTotals {
  const v = (f: string) => raw[f] ?? 0;
  return {
    inputTokens: v('in'),
    outputTokens: v('out'),
    cost: v('cost') / MICROS,
    calls: v('calls'),
    savedInputTokens: v('saved:in'),
    savedOutputTokens: v('saved:out'),
    savedCost: v('saved:cost') / MICROS,
    savedCalls: v('saved:calls'),
  };
}

interface Pending {
  readonly workspace: string;
  readonly keys: readonly [string, string];
  readonly rows: Map<string, { -readonly [K in keyof UsageRow]: UsageRow[K] }>;
  readonly done: Array<{ resolve(): void; reject(e: unknown): void }>;
}

/**
 * Per-workspace usage (tokens, cost, calls, and what caches saved) kept **in the store**: a hash
 * per workspace per UTC day and per month, incremented atomically (`HINCRBY` in one script), so
 * totals are exact whatever the number of processes writing. Hashes expire after their retention.
 * Workspaces and models are data here, never metric labels.
 *
 * ```ts
 * const usage = createUsage({ store, events: [{ feature: 'llm-cache', kind: 'saved' }] });
 * await usage.record('ws-1', { model: 'gpt-4o', inputTokens: 812, outputTokens: 95, cost: 0.0031 });
 * const { total } = await usage.report('ws-1', { from: '2026-12-01', to: '2026-12-31' });
 * ```
 */
export function createUsage(options: UsageOptions): Usage {
  const o = parseOptions('createUsage', SCHEMA, options);
  const clock = o.clock ?? Date.now;
  const keys = featureKeyspace(o.store, { feature: FEATURE, prefix: o.prefix });
  const hub = featureHub(o.store);
  let pending = new Map<string, Pending>();
  let scheduled = false;

  function dayKey(tag: string, ms: number): string {
    return `${tag}:usage:d:${day(ms)}`;
  }
  function monthKey(tag: string, ms: number): string {
    return `${tag}:usage:m:${day(ms).slice(0, 7)}`;
  }

  async function write(batch: Map<string, Pending>): Promise<void> {
    const groups = [...batch.values()];
    if (groups.length === 0) return;
    const started = operationStart(hub);
    const b = keys.root.batch();
    const calls: Pending[] = [];
    for (const g of groups) {
      const rows = [...g.rows.values()];
      for (let i = 0; i < rows.length; i += MAX_ROWS_PER_CALL) {
        b.eval(
          USAGE_RECORD,
          g.keys,
          encodeUsageRows(o.dayRetention, o.monthRetention, rows.slice(i, i + MAX_ROWS_PER_CALL)),
        );
        calls.push(g);
      }
    }
    try {
      const settled = (await b.execSettled()) as unknown as ReadonlyArray<{ ok: boolean; error?: unknown }>;
      const failed = new Map<Pending, unknown>();
      settled.forEach((s, i) => {
        if (!s.ok) failed.set(calls[i] as Pending, s.error);
      });
      for (const g of groups) {
        const error = failed.get(g);
        for (const d of g.done) error === undefined ? d.resolve() : d.reject(error);
      }
      emitOperation(hub, 'record', started, failed.size === 0 ? 'ok' : 'error', [...failed.values()][0], {
        records: groups.reduce((n, g) => n + g.done.length, 0),
        workspaces: groups.length,
      });
    } catch (error) {
      for (const g of groups) for (const d of g.done) d.reject(error);
      emitOperation(hub, 'record', started, 'error', error);
    }
  }

  function flushNow(): Promise<void> {
    scheduled = false;
    const batch = pending;
    pending = new Map();
    return write(batch);
  }

  function add(op: 'record' | 'recordSaving', workspace: string, entry: UsageEntry): Promise<void> {
    if (typeof entry !== 'object' || entry === null) {
      return Promise.reject(invalidArgument(op, `entry: expected an object, got ${describeValue(entry)}`));
    }
    let row: UsageRow;
    let tag: string;
    try {
      tag = keys.tag(workspace);
      const model = entry.model ?? '';
      if (typeof model !== 'string' || model.length > 200) {
        throw invalidArgument(
          op,
          `model: expected a string of at most 200 characters, got ${describeValue(entry.model)}`,
        );
      }
      row = {
        kind: op === 'record' ? '' : 'saved:',
        model,
        inputTokens: count(entry.inputTokens, 'inputTokens', op),
        outputTokens: count(entry.outputTokens, 'outputTokens', op),
        costMicros: micros(entry.cost, op),
        calls: 1,
      };
    } catch (error) {
      return Promise.reject(error);
    }
    const now = clock();
    const groupKey = `${workspace}\u0000${day(now)}`;
    let group = pending.get(groupKey);
    if (group === undefined) {
      group = { workspace, keys: [dayKey(tag, now), monthKey(tag, now)], rows: new Map(), done: [] };
      pending.set(groupKey, group);
    }
    const rowKey = `${row.kind}\u0000${row.model}`;
    const sum = group.rows.get(rowKey);
    if (sum === undefined) group.rows.set(rowKey, { ...row });
    else {
      sum.inputTokens += row.inputTokens;
      sum.outputTokens += row.outputTokens;
      sum.costMicros += row.costMicros;
      sum.calls += row.calls;
    }
    const done = new Promise<void>((resolve, reject) => group.done.push({ resolve, reject }));
    if (!scheduled) {
      scheduled = true;
      if (o.batchMs > 0) setTimeout(() => void flushNow(), o.batchMs);
      else queueMicrotask(() => void flushNow());
    }
    return done;
  }

  const offs: Array<() => void> = [];
  if (o.events.length > 0) {
    offs.push(
      featureEvents(o.store).on('operation', (e: FeatureEvent) => {
        if (e.tenant === undefined || e.detail === undefined) return;
        for (const source of o.events) {
          if (
            source.feature !== e.feature ||
            (source.operation !== undefined && source.operation !== e.operation)
          )
            continue;
          const d = e.detail;
          const saved = source.kind === 'saved';
          const entry: UsageEntry = {
            model: typeof d.model === 'string' ? d.model : undefined,
            inputTokens: d[saved ? 'savedInputTokens' : 'inputTokens'] as number | undefined,
            outputTokens: d[saved ? 'savedOutputTokens' : 'outputTokens'] as number | undefined,
            cost: d[saved ? 'savedCost' : 'cost'] as number | undefined,
          };
          if (entry.inputTokens === undefined && entry.outputTokens === undefined && entry.cost === undefined)
            continue;
          // A malformed event is dropped, never thrown into the emitting package.
          add(saved ? 'recordSaving' : 'record', e.tenant, entry).catch(() => undefined);
        }
      }),
    );
  }

  return {
    record: (workspace, entry) => add('record', workspace, entry),
    recordSaving: (workspace, entry) => add('recordSaving', workspace, entry),
    async report(workspace, range) {
      const granularity = range?.granularity ?? 'day';
      if (granularity !== 'day' && granularity !== 'month') {
        throw invalidArgument(
          'report',
          `granularity: expected 'day' or 'month', got ${describeValue(granularity)}`,
        );
      }
      const tag = keys.tag(workspace);
      const from = toMs(range.from, 'from date');
      const to = toMs(range.to, 'to date');
      if (to < from) throw invalidArgument('report', 'to date: must not be earlier than the from date');
      const periods: Array<{ period: string; key: string }> = [];
      if (granularity === 'day') {
        for (let t = Date.parse(day(from)); t <= to; t += 86_400_000) {
          periods.push({ period: day(t), key: dayKey(tag, t) });
          if (periods.length > MAX_PERIODS)
            throw invalidArgument('report', `the range spans more than ${MAX_PERIODS} days`);
        }
      } else {
        const start = new Date(from);
        let y = start.getUTCFullYear();
        let m = start.getUTCMonth();
        while (Date.UTC(y, m, 1) <= to) {
          const t = Date.UTC(y, m, 1);
          periods.push({ period: day(t).slice(0, 7), key: monthKey(tag, t) });
          if (periods.length > MAX_PERIODS)
            throw invalidArgument('report', `the range spans more than ${MAX_PERIODS} months`);
          m++;
          if (m === 12) {
            m = 0;
            y++;
          }
        }
      }
      const started = operationStart(hub);
      try {
        const b = keys.root.batch();
        for (const p of periods) b.hgetall(p.key);
        const hashes = (await b.exec()) as Array<Record<string, string>>;
        const byModel = new Map<string, Record<string, number>>();
        const sum: Record<string, number> = {};
        const out = periods.map((p, i) => {
          const raw = readHash(hashes[i] ?? {}, byModel, p.key);
          for (const [f, n] of Object.entries(raw)) sum[f] = (sum[f] ?? 0) + n;
          return { period: p.period, ...totals(raw) };
        });
        emitOperation(hub, 'report', started, 'ok');
        return {
          workspace,
          granularity,
          total: Object.keys(sum).length === 0 ? EMPTY : totals(sum),
          byModel: Object.fromEntries([...byModel].map(([m, raw]) => [m, totals(raw)])),
          periods: out,
        };
      } catch (error) {
        emitOperation(hub, 'report', started, 'error', error);
        throw error;
      }
    },
    flush: () => flushNow(),
    async close() {
      for (const off of offs.splice(0)) off();
      await flushNow();
    },
  };
}

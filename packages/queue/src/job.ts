import { describeValue, durationMs, invalidArgument } from '@raptorflow/core/kit';
import { QUEUE_ERRORS } from './errors.js';
import type { JobOptions, PayloadSchema, ResolvedQueueOptions } from './options.js';
import type { EnqueueInput } from './scripts/enqueue.js';
import { MAX_PRIORITY } from './scripts/lua.js';

/** A stored job, decoded from its body. */
export interface StoredJob {
  readonly id: string;
  readonly priority: number;
  /** When a waiting job expires (store's clock, ms), or 0. */
  readonly expireAt: number;
  readonly attempts: number;
  readonly deliveries: number;
  readonly backoffKind: 0 | 1;
  readonly backoffMs: number;
  /** Percent-encoded, or `''`. */
  readonly dedup: string;
  /** The payload as stored (JSON). */
  readonly payload: string;
}

const BODY = /^(\d+)\|(\d+)\|(\d+)\|(\d+)\|(\d+)\|([01])\|(\d+)\|([^|]*)\|([\s\S]*)$/;

/** Decode a body, or `E_QUEUE_CORRUPT_JOB`. */
export function decodeBody(body: string): StoredJob {
  const m = BODY.exec(body);
  if (!m) throw QUEUE_ERRORS.error('E_QUEUE_CORRUPT_JOB', `not a job: ${describeValue(body.slice(0, 80))}`);
  return {
    id: m[1] as string,
    priority: Number(m[2]),
    expireAt: Number(m[3]),
    attempts: Number(m[4]),
    deliveries: Number(m[5]),
    backoffKind: m[6] === '1' ? 1 : 0,
    backoffMs: Number(m[7]),
    dedup: m[8] as string,
    payload: m[9] as string,
  };
}

function check(where: string, field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidArgument(
      where,
      `${field}: expected a whole number from ${min} to ${max}, got ${describeValue(value)}`,
    );
  }
  return value;
}

function duration(where: string, field: string, value: unknown): number {
  if (value === undefined) return 0;
  const ms = durationMs(value);
  if (typeof ms === 'string' || ms < 0) {
    throw invalidArgument(where, `${field}: ${typeof ms === 'string' ? ms : 'expected a duration >= 0'}`);
  }
  return ms;
}

/** Serialise a payload (JSON), checked against the schema when there is one. */
export function encodePayload(
  where: string,
  data: unknown,
  schema: PayloadSchema<unknown> | undefined,
): string {
  let value = data;
  if (schema) {
    const r = schema.safeParse(data);
    if (!r.success) {
      throw QUEUE_ERRORS.error(
        'E_QUEUE_INVALID_PAYLOAD',
        `${where}: the payload fails the queue's schema: ${String(r.error)}`,
      );
    }
    value = r.data;
  }
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    throw invalidArgument(where, `data: cannot be serialised as JSON (${String(error)})`);
  }
  if (json === undefined)
    throw invalidArgument(where, `data: cannot be serialised as JSON, got ${describeValue(data)}`);
  if (!json.isWellFormed()) throw invalidArgument(where, 'data: contains a lone UTF-16 surrogate');
  return json;
}

/** One job's script input from the caller's data and options, every field checked. */
export function jobInput(
  where: string,
  data: unknown,
  options: JobOptions | undefined,
  q: ResolvedQueueOptions,
): EnqueueInput {
  const o = options ?? {};
  if (typeof o !== 'object' || o === null)
    throw invalidArgument(where, `options: expected an object, got ${describeValue(o)}`);
  const priority = o.priority === undefined ? 0 : check(where, 'priority', o.priority, 0, MAX_PRIORITY);
  const attempts = o.attempts === undefined ? q.attempts : check(where, 'attempts', o.attempts, 1, 1_000_000);
  const type = o.backoff?.type ?? q.backoff.type;
  if (type !== 'fixed' && type !== 'exponential') {
    throw invalidArgument(
      where,
      `backoff.type: expected 'fixed' or 'exponential', got ${describeValue(type)}`,
    );
  }
  const backoffMs =
    o.backoff?.delay === undefined ? q.backoff.delay : duration(where, 'backoff.delay', o.backoff.delay);
  let dedup = '';
  if (o.dedupKey !== undefined) {
    if (typeof o.dedupKey !== 'string' || o.dedupKey === '' || !o.dedupKey.isWellFormed()) {
      throw invalidArgument(where, `dedupKey: expected a non-empty string, got ${describeValue(o.dedupKey)}`);
    }
    dedup = encodeURIComponent(o.dedupKey);
  }
  return {
    priority,
    delayMs: duration(where, 'delay', o.delay),
    ttlMs: duration(where, 'ttl', o.ttl),
    attempts,
    backoffKind: type === 'exponential' ? 1 : 0,
    backoffMs,
    dedup,
    payload: encodePayload(where, data, q.schema),
  };
}

/** The delay before the next attempt of a job that failed on its `deliveries`-th delivery. */
export function backoffDelay(job: StoredJob, jitter: number): number {
  if (job.backoffMs === 0) return 0;
  const base = job.backoffKind === 1 ? job.backoffMs * 2 ** Math.min(job.deliveries - 1, 30) : job.backoffMs;
  return Math.max(0, Math.round(base * (1 - jitter * Math.random())));
}

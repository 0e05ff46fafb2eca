import { describeValue, invalidArgument } from '@raptorflow/core/kit';

/** Options of one `limit` call. */
export interface LimitCallOptions {
  /** Units this call takes; a whole number. Negative refunds (not for a penalty). @default 1 */
  cost?: number | undefined;
  /** Override the limit of this call (one number for the first policy, or one per policy). */
  limit?: number | readonly number[] | undefined;
  /**
   * The tenant (workspace, customer) this call counts for, copied to the `tenant` field of the
   * rate-limit event and used nowhere else. The identifier itself is never put in an event.
   */
  tenant?: string | undefined;
}

/** Options of one `peek` call. */
export interface PeekCallOptions {
  /** Would a call of this cost be allowed? 0 reports the current state. @default 0 */
  cost?: number | undefined;
  /** Override the limit, as for `limit`. */
  limit?: number | readonly number[] | undefined;
  /** The tenant for the event, as for `limit`. */
  tenant?: string | undefined;
}

/** What one `limit` / `peek` call asks for, as the public methods pass it on. */
export interface Call {
  cost: number;
  limit?: number | readonly number[] | undefined;
  tenant?: string | undefined;
}

/** The call of `limit()` and `peek()` without options: shared, never changed. */
const TAKE_ONE: Call = Object.freeze({ cost: 1 });
const PEEK_NOW: Call = Object.freeze({ cost: 0 });

/** The options argument of `limit` / `peek` as a {@link Call}: an object, or nothing. */
export function callOf(
  opts: LimitCallOptions | PeekCallOptions | undefined,
  cost: number,
  where: string,
): Call {
  if (opts === undefined || opts === null) return cost === 1 ? TAKE_ONE : cost === 0 ? PEEK_NOW : { cost };
  if (typeof opts !== 'object')
    throw invalidArgument(where, `options: must be an object, got ${describeValue(opts)}`);
  return { cost: opts.cost ?? cost, limit: opts.limit, tenant: opts.tenant };
}

/** The tenant of an event: only a string (a bad one fails the call, and its event says so). */
export function tenantOf(call: Call): string | undefined {
  return typeof call.tenant === 'string' ? call.tenant : undefined;
}

/**
 * A per-call limit (or `limitFor`'s answer) as a list of at most `n` (the limiter's limits),
 * or `E_INVALID_ARGUMENT`; the numbers themselves are checked against the algorithm later.
 * `{ limit: {} }` and `{ limit: true }` once silently meant the configured limit.
 */
export function limitsOf(v: unknown, n: number, where: string, field: string): readonly number[] | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'number') return [v];
  if (Array.isArray(v) && v.length >= 1 && v.length <= n && v.every((x) => typeof x === 'number')) return v;
  throw invalidArgument(
    where,
    `${field}: must be a number or an array of 1 to ${n} numbers, got ${describeValue(v)}`,
  );
}

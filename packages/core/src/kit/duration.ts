import * as z from 'zod';
import { KvError } from '../errors.js';
import { describeValue } from './describe.js';

/** Units of a {@link Duration} string. */
export type DurationUnit = 'ms' | 's' | 'm' | 'h' | 'd';

/**
 * A duration: whole milliseconds as a number, or a string such as `'250ms'`, `'10s'`,
 * `'1.5m'`, `'24h'`, `'7d'` (a space before the unit is allowed: `'15 m'`).
 */
export type Duration = number | `${number}${DurationUnit}` | `${number} ${DurationUnit}`;

const UNITS: Readonly<Record<DurationUnit, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

const PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;

/**
 * Milliseconds of a duration, or the reason it is not one. A value that is not a whole number
 * of milliseconds is refused, never rounded: the stores keep whole ms, and rounding would
 * silently change a limit or a TTL.
 */
export function durationMs(value: unknown): number | string {
  let ms: number;
  if (typeof value === 'number') ms = value;
  else if (typeof value === 'string') {
    const m = PATTERN.exec(value.trim());
    if (!m)
      return `expected a duration (ms, or a string like '250ms', '10s', '15m'), got ${describeValue(value)}`;
    ms = Number(m[1]) * UNITS[m[2] as DurationUnit];
  } else
    return `expected a duration (ms, or a string like '250ms', '10s', '15m'), got ${describeValue(value)}`;
  if (!Number.isFinite(ms)) return `expected a finite duration, got ${describeValue(value)}`;
  if (!Number.isSafeInteger(ms))
    return `expected a whole number of milliseconds, got ${describeValue(value)}`;
  return ms;
}

/** Whole milliseconds of a duration, `> 0`; else `E_INVALID_ARGUMENT` naming `field`. */
export function parseDuration(value: unknown, field = 'duration'): number {
  const ms = durationMs(value);
  if (typeof ms === 'string') throw new KvError('E_INVALID_ARGUMENT', `${field}: ${ms}`);
  if (ms <= 0) throw new KvError('E_INVALID_ARGUMENT', `${field}: must be > 0 ms, got ${ms}`);
  return ms;
}

/** Bounds of {@link durationSchema}. */
export interface DurationBounds {
  /** Smallest accepted duration, in ms. @default 1 */
  min?: number | undefined;
  /** Largest accepted duration, in ms. @default Number.MAX_SAFE_INTEGER */
  max?: number | undefined;
}

/** A zod schema of a {@link Duration}: input a number or string, output whole ms within bounds. */
export function durationSchema(bounds: DurationBounds = {}): z.ZodType<number, Duration> {
  const min = bounds.min ?? 1;
  const max = bounds.max ?? Number.MAX_SAFE_INTEGER;
  return z.custom<Duration>().transform((value, ctx) => {
    const ms = durationMs(value);
    if (typeof ms === 'string') {
      ctx.addIssue({ code: 'custom', message: ms });
      return z.NEVER;
    }
    if (ms < min || ms > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min} ms` : `between ${min} and ${max} ms`;
      ctx.addIssue({ code: 'custom', message: `expected a duration ${range}, got ${describeValue(value)}` });
      return z.NEVER;
    }
    return ms;
  }) as unknown as z.ZodType<number, Duration>;
}

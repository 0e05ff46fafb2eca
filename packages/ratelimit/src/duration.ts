import { KvError } from '@raptorflow/core';

/** A duration: whole milliseconds, or a string such as `'250ms'`, `'10s'`, `'1.5m'`, `'2h'`, `'1d'`. */
export type Duration =
  | number
  | `${number}${'ms' | 's' | 'm' | 'h' | 'd'}`
  | `${number} ${'ms' | 's' | 'm' | 'h' | 'd'}`;

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;

/**
 * Parse a duration to whole milliseconds. Returns an error message instead of throwing, so the
 * options schema can name the field. A duration that is not a whole number of ms is refused:
 * the store cannot represent it and rounding would silently change the limit.
 */
export function parseDuration(value: unknown): number | string {
  let ms: number;
  if (typeof value === 'number') ms = value;
  else if (typeof value === 'string') {
    const m = PATTERN.exec(value.trim());
    if (!m) return `"${value}" is not a duration (use ms or a string like '250ms', '10s', '1m')`;
    ms = Number(m[1]) * (UNITS[m[2] as string] as number);
  } else return 'must be a number of ms or a duration string';
  if (!Number.isFinite(ms) || ms <= 0) return 'must be > 0';
  if (!Number.isInteger(ms)) return `must be a whole number of milliseconds (got ${ms})`;
  return ms;
}

/** Parse a duration or throw `E_INVALID_ARGUMENT` naming `field`. */
export function durationMs(value: Duration, field: string): number {
  const ms = parseDuration(value);
  if (typeof ms === 'string') throw new KvError('E_INVALID_ARGUMENT', `${field} ${ms}`);
  return ms;
}

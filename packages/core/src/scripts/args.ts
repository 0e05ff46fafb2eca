import { describeValue } from '../kit/describe.js';
import { type Duration, durationMs } from '../kit/duration.js';
import { invalidArgument } from '../kit/options.js';

/**
 * A string ARGV of a primitive script (an expected value, a token, a new value), checked so a
 * number or `undefined` from untyped code is refused instead of being sent as `"undefined"`.
 */
export function stringArg(where: string, field: string, value: unknown): string {
  if (typeof value !== 'string') {
    throw invalidArgument(where, `${field}: expected a string, got ${describeValue(value)}`);
  }
  return value;
}

/** A TTL ARGV: whole milliseconds `> 0` from a {@link Duration}, as the decimal string PX takes. */
export function ttlArg(where: string, value: Duration): string {
  const ms = durationMs(value);
  if (typeof ms === 'string') throw invalidArgument(where, `ttl: ${ms}`);
  if (ms <= 0) throw invalidArgument(where, `ttl: must be > 0 ms, got ${ms}`);
  return String(ms);
}

/**
 * The reply of a compare-and-* script: 1 when it acted, 0 when the value did not match.
 * Anything else means the script was not the one this parser belongs to: `false` is the safe
 * reading (nothing acted), never a thrown parse error after the store already ran it.
 */
export function parseActed(reply: unknown): boolean {
  return reply === 1;
}

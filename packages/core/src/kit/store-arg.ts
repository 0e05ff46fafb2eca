import type { KvStore } from '../types.js';
import { describeValue } from './describe.js';
import { optionError } from './options.js';

/**
 * Check that `value` is a store (what `memoryAdapter`, `ioredisAdapter`, `upstashAdapter`, a
 * layer or a namespace view returns) before a layer or a feature builds on it: passed anything
 * else, the factory fails at once with `E_INVALID_OPTIONS` naming the argument, instead of a
 * `TypeError` from deep inside on the first call. Duck-typed on the driver, since stores are
 * plain objects that can come from another copy of core.
 */
export function requireStore(where: string, value: unknown, field = 'store'): KvStore {
  const driver = (value as { driver?: unknown } | null | undefined)?.driver as
    | { command?: unknown; capabilities?: unknown; name?: unknown }
    | undefined;
  if (
    typeof value !== 'object' ||
    value === null ||
    typeof driver !== 'object' ||
    driver === null ||
    typeof driver.command !== 'function' ||
    typeof driver.capabilities !== 'object' ||
    driver.capabilities === null ||
    typeof driver.name !== 'string'
  ) {
    throw optionError(
      where,
      field,
      `must be a KvStore (from memoryAdapter(), ioredisAdapter(), upstashAdapter() or a layer), got ${describeValue(value)}`,
    );
  }
  return value as KvStore;
}

import type { BenchFixtures } from './types.js';

/** Keys in the shared fixtures, as in research/perf-anchors.md. */
export const FIXTURE_KEYS = 10_000;
/** Bytes per fixture value. */
export const FIXTURE_VALUE_BYTES = 100;

/** Build the fixtures once per process, outside every timed loop. */
export function buildFixtures(
  prefix: string,
  count: number = FIXTURE_KEYS,
  valueBytes: number = FIXTURE_VALUE_BYTES,
): BenchFixtures {
  const keys: string[] = new Array(count);
  const values: string[] = new Array(count);
  for (let i = 0; i < count; i++) {
    keys[i] = `${prefix}k:${i}`;
    // Distinct per key, fixed length, ASCII so bytes equal characters.
    const head = `v${i}:`;
    values[i] = head + 'x'.repeat(valueBytes - head.length);
  }
  return { keys, values, valueBytes, prefix };
}

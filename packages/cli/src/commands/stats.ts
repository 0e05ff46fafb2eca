import type { KvStore } from '@raptorflow/core';
import { keyPages } from '../pages.js';
import { newCounters } from '../records.js';
import { serverInfo } from './health.js';

/** The prefix a key is counted under: its first `depth` `:`-separated parts (hash tags kept whole). */
export function prefixOf(key: string, depth: number): string {
  let at = 0;
  for (let i = 0; i < depth; i++) {
    const next = key.indexOf(':', at);
    if (next < 0) return key.includes(':') ? key.slice(0, at) : '(no prefix)';
    at = next + 1;
  }
  return key.slice(0, at);
}

/** `raptorflow stats`: keys per prefix (SCAN, bounded batches), and memory where INFO has it. */
export async function stats(
  store: KvStore,
  options: { match: string; depth: number; batch: number; stopped: () => boolean },
  log: (l: string) => void,
): Promise<Map<string, number>> {
  const counters = newCounters();
  const counts = new Map<string, number>();
  let total = 0;
  for await (const page of keyPages(store, { ...options }, counters)) {
    for (const key of page.keys) {
      const p = prefixOf(key, options.depth);
      counts.set(p, (counts.get(p) ?? 0) + 1);
    }
    total += page.keys.length;
  }
  const rows = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const width = Math.max(6, ...rows.map(([p]) => p.length));
  log(`${'prefix'.padEnd(width)}  keys`);
  for (const [p, n] of rows) log(`${p.padEnd(width)}  ${n}`);
  log(`${'total'.padEnd(width)}  ${total}`);
  const info = await serverInfo(store);
  if (info?.used_memory_human)
    log(
      `memory: ${info.used_memory_human} used${info.maxmemory_human && info.maxmemory_human !== '0B' ? ` of ${info.maxmemory_human}` : ''}`,
    );
  log(`round trips: ${counters.roundTrips}`);
  return counts;
}

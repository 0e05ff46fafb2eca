import type { KvStore } from '@raptorflow/core';

/** Server figures INFO gives on Redis (and Upstash where it answers INFO), by name. */
const FIGURES = [
  'redis_version',
  'uptime_in_seconds',
  'connected_clients',
  'used_memory_human',
  'maxmemory_human',
  'maxmemory_policy',
  'evicted_keys',
  'expired_keys',
  'keyspace_hits',
  'keyspace_misses',
  'db0',
];

/** The INFO reply as name → value, or undefined when the store has no INFO (memory, some proxies). */
export async function serverInfo(store: KvStore): Promise<Record<string, string> | undefined> {
  if (!store.capabilities.shared) return undefined;
  try {
    const reply = await store.driver.command({ argv: ['INFO'], keys: [], readonly: true });
    const out: Record<string, string> = {};
    for (const line of String(reply).split(/\r?\n/)) {
      const at = line.indexOf(':');
      if (at > 0 && !line.startsWith('#')) out[line.slice(0, at)] = line.slice(at + 1);
    }
    return out;
  } catch {
    return undefined;
  }
}

/** `raptorflow health`: PING latency (a few samples) and the server's figures where it has them. */
export async function health(
  store: KvStore,
  where: string,
  samples: number,
  log: (l: string) => void,
): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    await store.ping();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const p50 = times[Math.floor(times.length / 2)] ?? 0;
  const max = times[times.length - 1] ?? 0;
  log(`ok: ${where}`);
  log(`ping: ${samples} samples, median ${p50.toFixed(2)} ms, max ${max.toFixed(2)} ms`);
  const info = await serverInfo(store);
  if (!info) {
    log('server figures: not available on this store');
    return 0;
  }
  for (const name of FIGURES) if (info[name] !== undefined) log(`${name}: ${info[name]}`);
  return 0;
}

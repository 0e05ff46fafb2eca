import type { KvDriver } from '@raptorflow/core/driver';

/** Server figures from Redis `INFO` (standalone; on a Cluster, the node that answered). */
export interface RedisServerFigures {
  readonly kind: 'redis';
  readonly version: string | undefined;
  readonly mode: string | undefined;
  readonly role: string | undefined;
  readonly uptimeSeconds: number | undefined;
  readonly usedMemoryBytes: number | undefined;
  readonly usedMemoryRssBytes: number | undefined;
  readonly usedMemoryPeakBytes: number | undefined;
  readonly maxmemoryBytes: number | undefined;
  readonly maxmemoryPolicy: string | undefined;
  readonly memFragmentationRatio: number | undefined;
  readonly connectedClients: number | undefined;
  readonly blockedClients: number | undefined;
  readonly opsPerSec: number | undefined;
  readonly totalCommandsProcessed: number | undefined;
  readonly keyspaceHits: number | undefined;
  readonly keyspaceMisses: number | undefined;
  /** keyspace_hits ÷ (hits + misses), server-wide; `null` before any read. */
  readonly keyspaceHitRate: number | null;
  readonly expiredKeys: number | undefined;
  readonly evictedKeys: number | undefined;
  readonly rejectedConnections: number | undefined;
  /** Keys in every logical database (the `# Keyspace` section). */
  readonly keys: number;
  /** Keys with a TTL, every logical database. */
  readonly expires: number;
}

/** What Upstash answers (no INFO over REST): the key count. */
export interface UpstashServerFigures {
  readonly kind: 'upstash';
  readonly keys: number;
}

/** The memory store's own counts. */
export interface MemoryServerFigures {
  readonly kind: 'memory';
  /** Keys held, expired ones not yet swept included. */
  readonly keys: number;
}

/** Server figures by adapter. */
export type ServerFigures = RedisServerFigures | UpstashServerFigures | MemoryServerFigures;

/**
 * Parse `INFO` text tolerantly: unknown fields are skipped, missing ones are `undefined`
 * (the field set varies with the Redis version and vendor).
 */
export function parseInfo(text: string): RedisServerFigures {
  const fields = new Map<string, string>();
  let keys = 0;
  let expires = 0;
  for (const line of text.split(/\r?\n/)) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.indexOf(':');
    if (at < 0) continue;
    const name = line.slice(0, at);
    const value = line.slice(at + 1);
    if (/^db\d+$/.test(name)) {
      for (const part of value.split(',')) {
        const [k, v] = part.split('=');
        if (k === 'keys') keys += Number(v) || 0;
        if (k === 'expires') expires += Number(v) || 0;
      }
    } else fields.set(name, value);
  }
  const num = (name: string): number | undefined => {
    const v = fields.get(name);
    if (v === undefined) return undefined;
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  };
  const hits = num('keyspace_hits');
  const misses = num('keyspace_misses');
  return {
    kind: 'redis',
    version: fields.get('redis_version'),
    mode: fields.get('redis_mode'),
    role: fields.get('role'),
    uptimeSeconds: num('uptime_in_seconds'),
    usedMemoryBytes: num('used_memory'),
    usedMemoryRssBytes: num('used_memory_rss'),
    usedMemoryPeakBytes: num('used_memory_peak'),
    maxmemoryBytes: num('maxmemory'),
    maxmemoryPolicy: fields.get('maxmemory_policy'),
    memFragmentationRatio: num('mem_fragmentation_ratio'),
    connectedClients: num('connected_clients'),
    blockedClients: num('blocked_clients'),
    opsPerSec: num('instantaneous_ops_per_sec'),
    totalCommandsProcessed: num('total_commands_processed'),
    keyspaceHits: hits,
    keyspaceMisses: misses,
    keyspaceHitRate:
      hits === undefined || misses === undefined || hits + misses === 0 ? null : hits / (hits + misses),
    expiredKeys: num('expired_keys'),
    evictedKeys: num('evicted_keys'),
    rejectedConnections: num('rejected_connections'),
    keys,
    expires,
  };
}

/** Ask the adapter under every layer for its server figures (INFO, DBSIZE, or its own counts). */
export async function serverFigures(root: KvDriver): Promise<ServerFigures | undefined> {
  const name = root.name;
  if ('size' in root && typeof (root as { size?: unknown }).size === 'number') {
    return { kind: 'memory', keys: (root as { size: number }).size };
  }
  if (/upstash/.test(name)) {
    const reply = await root.command({ argv: ['DBSIZE'], keys: [], readonly: true });
    return { kind: 'upstash', keys: Number(reply) };
  }
  const reply = await root.command({ argv: ['INFO'], keys: [], readonly: true });
  return typeof reply === 'string' ? parseInfo(reply) : undefined;
}

import type { KvBatch, KvStore } from '@raptorflow/core';

/**
 * One key in the portable JSON Lines format (one object per line). `ttl` is the remaining time
 * to live in milliseconds when it was read, `null` for a key without expiry. A sorted set's
 * scores are numbers, or the strings `"inf"` / `"-inf"`.
 */
export type KvRecord =
  | { key: string; type: 'string'; value: string; ttl: number | null }
  | { key: string; type: 'hash'; value: Record<string, string>; ttl: number | null }
  | { key: string; type: 'list'; value: string[]; ttl: number | null }
  | { key: string; type: 'set'; value: string[]; ttl: number | null }
  | { key: string; type: 'zset'; value: Array<[string, number | 'inf' | '-inf']>; ttl: number | null };

/** Round trips and bytes a command spent, reported at its end. */
export interface Counters {
  roundTrips: number;
  bytesRead: number;
  bytesWritten: number;
}

export const newCounters = (): Counters => ({ roundTrips: 0, bytesRead: 0, bytesWritten: 0 });

/** Run a batch, counting it as one round trip (a Cluster splits it by node, counted once here). */
export async function runBatch(batch: KvBatch<unknown[]>, counters: Counters): Promise<unknown[]> {
  counters.roundTrips++;
  const settled = (await batch.execSettled()) as Array<{ ok: boolean; value?: unknown; error?: Error }>;
  return settled.map((s) => (s.ok ? s.value : s.error));
}

const scoreOut = (s: number): number | 'inf' | '-inf' =>
  s === Number.POSITIVE_INFINITY ? 'inf' : s === Number.NEGATIVE_INFINITY ? '-inf' : s;
const scoreIn = (s: number | string): number =>
  s === 'inf' ? Number.POSITIVE_INFINITY : s === '-inf' ? Number.NEGATIVE_INFINITY : Number(s);

/**
 * Read a page of keys as records: one round trip for their types, one for their values and
 * remaining TTLs. A key that expired or changed type between the two is left out (`skipped`).
 */
export async function readRecords(
  store: KvStore,
  keys: readonly string[],
  counters: Counters,
): Promise<{ records: KvRecord[]; skipped: number }> {
  if (keys.length === 0) return { records: [], skipped: 0 };
  let types = store.batch() as KvBatch<unknown[]>;
  for (const key of keys) types = types.type(key) as KvBatch<unknown[]>;
  const kinds = await runBatch(types, counters);
  let reads = store.batch() as KvBatch<unknown[]>;
  const wanted: Array<{ key: string; type: KvRecord['type'] }> = [];
  keys.forEach((key, i) => {
    const type = kinds[i];
    if (type === 'string') reads = reads.get(key);
    else if (type === 'hash') reads = reads.hgetall(key);
    else if (type === 'list') reads = reads.lrange(key, 0, -1);
    else if (type === 'set') reads = reads.smembers(key);
    else if (type === 'zset') reads = reads.zrangeWithScores(key, 0, -1);
    else return;
    reads = reads.pttl(key);
    wanted.push({ key, type });
  });
  const values = wanted.length > 0 ? await runBatch(reads, counters) : [];
  const records: KvRecord[] = [];
  wanted.forEach(({ key, type }, i) => {
    const value = values[2 * i];
    const pttl = values[2 * i + 1];
    if (value instanceof Error || value === null || typeof pttl !== 'number' || pttl === -2) return;
    const ttl = pttl === -1 ? null : pttl;
    if (type === 'string') records.push({ key, type, value: value as string, ttl });
    else if (type === 'hash') records.push({ key, type, value: value as Record<string, string>, ttl });
    else if (type === 'list' || type === 'set') records.push({ key, type, value: value as string[], ttl });
    else {
      const members = value as Array<{ member: string; score: number }>;
      records.push({ key, type, value: members.map((m) => [m.member, scoreOut(m.score)]), ttl });
    }
  });
  return { records, skipped: keys.length - records.length };
}

function isEmpty(record: KvRecord): boolean {
  return record.type === 'hash' ? Object.keys(record.value).length === 0 : record.value.length === 0;
}

/**
 * Write records in one round trip: each key is replaced (DEL, then the value, then its TTL), so
 * running an import or a migration twice leaves the same keys. A record whose TTL is already
 * spent is not written. Returns the number written and the errors of those that failed.
 */
export async function writeRecords(
  store: KvStore,
  records: readonly KvRecord[],
  counters: Counters,
): Promise<{ written: number; errors: Array<{ key: string; error: Error }> }> {
  let batch = store.batch() as KvBatch<unknown[]>;
  const owners: string[] = [];
  let written = 0;
  for (const record of records) {
    const { key, ttl } = record;
    if (ttl !== null && ttl <= 0) continue;
    if (record.type === 'string') {
      batch = batch.set(key, record.value, ttl === null ? undefined : { ttl });
      owners.push(key);
    } else {
      if (isEmpty(record)) continue;
      batch = batch.del(key);
      owners.push(key);
      if (record.type === 'hash') batch = batch.hset(key, record.value);
      else if (record.type === 'list') batch = batch.rpush(key, record.value);
      else if (record.type === 'set') batch = batch.sadd(key, record.value);
      else
        batch = batch.zadd(
          key,
          record.value.map(([member, score]) => ({ member, score: scoreIn(score) })),
        );
      owners.push(key);
      if (ttl !== null) {
        batch = batch.pexpire(key, ttl);
        owners.push(key);
      }
    }
    written++;
  }
  if (owners.length === 0) return { written: 0, errors: [] };
  const results = await runBatch(batch, counters);
  const errors: Array<{ key: string; error: Error }> = [];
  const failed = new Set<string>();
  results.forEach((r, i) => {
    const key = owners[i] as string;
    if (r instanceof Error && !failed.has(key)) {
      failed.add(key);
      errors.push({ key, error: r });
    }
  });
  return { written: written - failed.size, errors };
}

const TYPES = new Set(['string', 'hash', 'list', 'set', 'zset']);

/** Parse one line of the format; throws an Error naming what is wrong. */
export function parseRecord(line: string): KvRecord {
  const raw = JSON.parse(line) as Record<string, unknown>;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('not a JSON object');
  const { key, type, value, ttl } = raw;
  if (typeof key !== 'string' || key === '') throw new Error('"key" must be a non-empty string');
  if (typeof type !== 'string' || !TYPES.has(type))
    throw new Error('"type" must be string, hash, list, set or zset');
  if (ttl !== null && ttl !== undefined && (typeof ttl !== 'number' || !Number.isFinite(ttl)))
    throw new Error('"ttl" must be milliseconds or null');
  const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
  const ok =
    (type === 'string' && typeof value === 'string') ||
    (type === 'hash' &&
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      Object.values(value).every((x) => typeof x === 'string')) ||
    ((type === 'list' || type === 'set') && strings(value)) ||
    (type === 'zset' &&
      Array.isArray(value) &&
      value.every(
        (p) =>
          Array.isArray(p) &&
          p.length === 2 &&
          typeof p[0] === 'string' &&
          ((typeof p[1] === 'number' && !Number.isNaN(p[1])) || p[1] === 'inf' || p[1] === '-inf'),
      ));
  if (!ok) throw new Error(`"value" does not fit type ${type}`);
  return { key, type, value, ttl: typeof ttl === 'number' ? Math.round(ttl) : null } as KvRecord;
}

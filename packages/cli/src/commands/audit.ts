import type { KvBatch, KvStore } from '@raptorflow/core';
import { compileGlob } from '@raptorflow/core/driver';
import { keyPages } from '../pages.js';
import { type Counters, type KvRecord, newCounters, readRecords, runBatch } from '../records.js';
import { DEL_IF_NO_TTL } from '../scripts.js';

/** Options of {@link audit}. */
export interface AuditOptions {
  /** Keys to look at (Redis MATCH). */
  match: string;
  /** Prefixes the app owns; a key under none of them is a finding. */
  known: string[];
  /** Globs of keys that may live without a TTL (lock fencing counters by default). */
  allowNoTtl: string[];
  /** Lock keys live here (`@raptorflow/locks`). */
  lockPrefix: string;
  /** Session keys live here. */
  sessionPrefix: string;
  /** A key whose record is at least this many bytes is a finding. */
  maxBytes: number;
  /** How many of the largest keys to list, and examples per finding. */
  top: number;
  batch: number;
  stopped: () => boolean;
}

/** One kind of problem: how many keys, and a few of them. */
export interface Finding {
  readonly count: number;
  readonly examples: string[];
}

/** What {@link audit} found; `leftovers` are what `cleanup` removes. */
export interface AuditReport {
  scanned: number;
  noTtl: Finding;
  unknownPrefix: Finding;
  oversized: Finding;
  largest: Array<{ key: string; bytes: number; type: string }>;
  staleLocks: Finding;
  staleSessions: Finding;
  staleHolders: Finding;
  counters: Counters;
}

class Tally {
  count = 0;
  examples: string[] = [];
  private readonly keep: number;
  constructor(keep: number) {
    this.keep = keep;
  }
  add(key: string): void {
    this.count++;
    if (this.examples.length < this.keep) this.examples.push(key);
  }
  get finding(): Finding {
    return { count: this.count, examples: this.examples };
  }
}

/** Keys of a page that are leftovers, by what `cleanup` does with them. */
export interface Leftovers {
  /** Keys to delete: locks and sessions without a TTL (they would never expire). */
  remove: string[];
  /** Semaphore holder sets (key → owners all past their expiry): delete them. */
  holders: string[];
}

/**
 * The leftovers in a page of records, now being the store's clock in ms: a lock (`…:lock`) or
 * a session key without a TTL never expires, and a semaphore's holders set whose every owner is
 * past its expiry (scores are expiry times on the store's clock) holds nobody.
 */
export function leftoversOf(records: readonly KvRecord[], options: AuditOptions, now: number): Leftovers {
  const remove: string[] = [];
  const holders: string[] = [];
  for (const r of records) {
    if (r.key.startsWith(options.lockPrefix)) {
      if (r.ttl === null && r.key.endsWith(':lock')) remove.push(r.key);
      else if (r.type === 'zset' && r.key.endsWith(':holders') && r.value.every(([, s]) => Number(s) <= now))
        holders.push(r.key);
    } else if (r.key.startsWith(options.sessionPrefix) && r.ttl === null) remove.push(r.key);
  }
  return { remove, holders };
}

/**
 * `raptorflow audit`: one pass of SCAN in bounded batches, reading each key's type, TTL and
 * value (two round trips a batch), and tallying keys without a TTL, keys outside every known
 * prefix, keys over `maxBytes` (their JSON Lines record), the largest keys, and leftovers.
 */
export async function audit(store: KvStore, options: AuditOptions): Promise<AuditReport> {
  const counters = newCounters();
  const keep = options.top;
  const noTtl = new Tally(keep);
  const unknownPrefix = new Tally(keep);
  const oversized = new Tally(keep);
  const staleLocks = new Tally(keep);
  const staleSessions = new Tally(keep);
  const staleHolders = new Tally(keep);
  const allowed = options.allowNoTtl.map(compileGlob);
  let largest: AuditReport['largest'] = [];
  let scanned = 0;
  for await (const page of keyPages(store, options, counters)) {
    const { records } = await readRecords(store, page.keys, counters);
    const now = await store.time();
    counters.roundTrips++;
    for (const r of records) {
      scanned++;
      const bytes = Buffer.byteLength(JSON.stringify(r));
      counters.bytesRead += bytes;
      if (r.ttl === null && !allowed.some((m) => m(r.key))) noTtl.add(r.key);
      if (!options.known.some((p) => r.key.startsWith(p))) unknownPrefix.add(r.key);
      if (bytes >= options.maxBytes) oversized.add(r.key);
      if (largest.length < keep || bytes > (largest[largest.length - 1]?.bytes ?? 0)) {
        largest.push({ key: r.key, bytes, type: r.type });
        largest = largest.sort((a, b) => b.bytes - a.bytes).slice(0, keep);
      }
    }
    const left = leftoversOf(records, options, now);
    for (const key of left.remove) (key.startsWith(options.lockPrefix) ? staleLocks : staleSessions).add(key);
    for (const key of left.holders) staleHolders.add(key);
  }
  return {
    scanned,
    noTtl: noTtl.finding,
    unknownPrefix: unknownPrefix.finding,
    oversized: oversized.finding,
    largest,
    staleLocks: staleLocks.finding,
    staleSessions: staleSessions.finding,
    staleHolders: staleHolders.finding,
    counters,
  };
}

/** The number of findings that make `audit` exit non-zero. */
export function findingCount(report: AuditReport): number {
  return (
    report.noTtl.count +
    report.unknownPrefix.count +
    report.oversized.count +
    report.staleLocks.count +
    report.staleSessions.count +
    report.staleHolders.count
  );
}

/** The report as text lines. */
export function formatAudit(report: AuditReport, options: AuditOptions): string[] {
  const lines = [`scanned ${report.scanned} keys matching ${options.match}`];
  const row = (label: string, f: Finding) => {
    lines.push(`${f.count > 0 ? 'FOUND' : 'ok   '} ${label}: ${f.count}`);
    for (const key of f.examples) lines.push(`        ${key}`);
  };
  row('keys without a TTL', report.noTtl);
  row(`keys outside the known prefixes (${options.known.join(', ')})`, report.unknownPrefix);
  row(`keys of ${options.maxBytes} bytes or more`, report.oversized);
  row(`locks without a TTL under ${options.lockPrefix}`, report.staleLocks);
  row(`semaphore holder sets with every owner expired under ${options.lockPrefix}`, report.staleHolders);
  row(`sessions without a TTL under ${options.sessionPrefix}`, report.staleSessions);
  lines.push(`largest keys (bytes of their JSON Lines record):`);
  for (const l of report.largest) lines.push(`        ${l.bytes}  ${l.type}  ${l.key}`);
  lines.push(`round trips: ${report.counters.roundTrips}`);
  return lines;
}

/**
 * One round trip: each leftover lock or session is deleted only if it still has no TTL (a
 * script), and each holder set loses the owners past their expiry (Redis deletes it once empty).
 */
async function removeLeftovers(
  store: KvStore,
  left: Leftovers,
  now: number,
  counters: Counters,
): Promise<number> {
  let batch = store.batch() as KvBatch<unknown[]>;
  for (const key of left.remove) batch = batch.eval(DEL_IF_NO_TTL, [key]);
  for (const key of left.holders) batch = batch.zremRangeByScore(key, Number.NEGATIVE_INFINITY, now);
  const results = await runBatch(batch, counters);
  return results.filter((r, i) => (i < left.remove.length ? r === 1 : typeof r === 'number' && r > 0)).length;
}

/**
 * `raptorflow cleanup`: removes what `audit` reports as leftovers (locks and sessions without a
 * TTL, semaphore holder sets whose owners all expired). Lists them only unless `apply`.
 */
export async function cleanup(
  store: KvStore,
  options: AuditOptions & { apply: boolean },
  log: (l: string) => void,
): Promise<{ found: number; removed: number; counters: Counters }> {
  const counters = newCounters();
  let found = 0;
  let removed = 0;
  for await (const page of keyPages(store, options, counters)) {
    const { records } = await readRecords(store, page.keys, counters);
    const now = await store.time();
    counters.roundTrips++;
    const left = leftoversOf(records, options, now);
    found += left.remove.length + left.holders.length;
    for (const key of left.remove) log(`${options.apply ? 'remove' : 'would remove'} ${key}`);
    for (const key of left.holders)
      log(`${options.apply ? 'clear' : 'would clear'} expired owners of ${key}`);
    if (options.apply && found > 0) removed += await removeLeftovers(store, left, now, counters);
  }
  log(
    options.apply
      ? `removed ${removed} of ${found} leftover keys; round trips: ${counters.roundTrips}`
      : `${found} leftover keys (dry run: run with --apply to remove them); round trips: ${counters.roundTrips}`,
  );
  return { found, removed, counters };
}

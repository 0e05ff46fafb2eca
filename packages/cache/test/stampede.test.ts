import { fileURLToPath } from 'node:url';
import { ioredisAdapter } from '@raptorflow/core/ioredis';
import { runTsChild, stopTsChildren, type TestServers } from '@raptorflow/testkit';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { randomPrefix, sleep } from './matrix.js';

/*
 * Two child processes, each with 100 concurrent getOrSet calls on one key of one Redis. With
 * the lease, one process computes and the other waits for its write: one factory run in all.
 * Without it, the in-process single flight still holds each process to one run: two in all.
 */

const CHILD = fileURLToPath(new URL('./fixtures/stampede-child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const servers: TestServers = inject('raptorflow');
afterAll(stopTsChildren);

interface Report {
  distinct: number;
  results: Record<string, number>;
}

function runChild(input: unknown): Promise<Report> {
  return runTsChild<Report>(CHILD, input, { timeoutMs: 30_000, cwd: ROOT });
}

async function stampede(lease: boolean): Promise<{ runs: number; reports: Report[] }> {
  const prefix = randomPrefix();
  const input = { url: servers.redis.url, prefix, lease };
  const kids = [runChild(input), runChild(input)];
  for (const k of kids) k.catch(() => undefined);
  const store = ioredisAdapter({ url: servers.redis.url });
  const control = store.namespace(`${prefix}control:`);
  try {
    // Both processes are connected and waiting before either starts: their calls overlap.
    for (let i = 0; i < 1500 && (await control.get('ready')) !== '2'; i++) await sleep(10);
    expect(await control.get('ready')).toBe('2');
    await control.set('go', '1');
    const reports = await Promise.all(kids);
    return { runs: Number(await control.get('factory-runs')), reports };
  } finally {
    await store.close();
  }
}

describe('stampede across two processes on one Redis', () => {
  it('runs the factory once in all with the lease, once per process without', async () => {
    // Separate prefixes: both runs at once, four processes in all.
    const [withLease, without] = await Promise.all([stampede(true), stampede(false)]);
    expect(withLease.runs).toBe(1);
    for (const r of withLease.reports) expect(r.distinct).toBe(1);
    const waiter = withLease.reports.find((r) => (r.results.miss ?? 0) === 0);
    expect(waiter?.results.dedup).toBe(100); // one waited on the lease, 99 on it in-process
    expect(without.runs).toBe(2);
    for (const r of without.reports) expect(r.results).toEqual({ miss: 1, dedup: 99 });
  });
});

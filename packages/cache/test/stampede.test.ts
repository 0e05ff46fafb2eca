import { fileURLToPath } from 'node:url';
import { ioredisAdapter } from '@raptorflow/core/ioredis';
import { runTsChild, stopTsChildren, type TestServers } from '@raptorflow/testkit';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { randomPrefix, sleep } from './matrix.js';

/*
 * Two child processes, each with 100 concurrent getOrSet calls on one key of one Redis. With
 * the lease, one process computes and the other waits for its write: one factory run in all.
 * Without it, the in-process single flight still holds each process to one run: two in all.
 *
 * Nothing here waits on a timer: the children start when both are ready, and a factory holds
 * its value until the other process has decided (see the fixture), so the counts hold however
 * slowly the machine runs. With the lease, "decided" is seen on the server: a MONITOR
 * connection watches for both processes' SET NX on the lease key.
 */

const CHILD = fileURLToPath(new URL('./fixtures/stampede-child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const servers: TestServers = inject('raptorflow');
afterAll(stopTsChildren);

interface Report {
  distinct: number;
  results: Record<string, number>;
}

/**
 * Only a bound against a hang, never the decision: four Node processes loading TypeScript
 * through tsx on two cores that other work keeps busy took up to ~25 s to start (verify:stress).
 */
const CHILD_TIMEOUT_MS = 90_000;

function runChild(input: unknown): Promise<Report> {
  return runTsChild<Report>(CHILD, input, { timeoutMs: CHILD_TIMEOUT_MS, cwd: ROOT });
}

/**
 * Set `control:contended` once two different connections have sent SET NX on the lease key of
 * `prefix`: the first took the lease, the second found it taken and now waits on it.
 */
async function watchLease(prefix: string, control: { set(k: string, v: string): Promise<unknown> }) {
  const monitor = await new Redis(servers.redis.url, { lazyConnect: false }).monitor();
  const sources = new Set<string>();
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    const [name, key] = args;
    if (name?.toLowerCase() !== 'set' || !key?.startsWith(prefix) || !key.includes('l:reports:')) return;
    if (!args.some((a) => a.toLowerCase() === 'nx')) return;
    sources.add(source);
    if (sources.size === 2) void control.set('contended', '1');
  });
  return monitor;
}

async function stampede(lease: boolean): Promise<{ runs: number; reports: Report[] }> {
  const prefix = randomPrefix();
  const input = { url: servers.redis.url, prefix, lease };
  const kids = [runChild(input), runChild(input)];
  for (const k of kids) k.catch(() => undefined);
  const store = ioredisAdapter({ url: servers.redis.url });
  const control = store.namespace(`${prefix}control:`);
  const monitor = lease ? await watchLease(prefix, control) : undefined;
  let exited = false;
  void Promise.allSettled(kids).then(() => {
    exited = true;
  });
  try {
    // Both processes are connected and waiting before either starts (the test's timeout bounds
    // the wait; a child that dies ends it at once).
    while ((await control.get('ready')) !== '2' && !exited) await sleep(10);
    expect(await control.get('ready')).toBe('2');
    await control.set('go', '1');
    const reports = await Promise.all(kids);
    return { runs: Number(await control.get('factory-runs')), reports };
  } finally {
    monitor?.disconnect();
    await store.close();
  }
}

describe('stampede across two processes on one Redis', () => {
  it(
    'runs the factory once in all with the lease, once per process without',
    async () => {
      // Separate prefixes: both runs at once, four processes in all.
      const [withLease, without] = await Promise.all([stampede(true), stampede(false)]);
      expect(withLease.runs).toBe(1);
      for (const r of withLease.reports) expect(r.distinct).toBe(1);
      const waiter = withLease.reports.find((r) => (r.results.miss ?? 0) === 0);
      expect(waiter?.results.dedup).toBe(100); // one waited on the lease, 99 on it in-process
      expect(without.runs).toBe(2);
      for (const r of without.reports) expect(r.results).toEqual({ miss: 1, dedup: 99 });
      // Bound against a hang only (see CHILD_TIMEOUT_MS): the children's start-up is the slow part.
    },
    CHILD_TIMEOUT_MS + 10_000,
  );
});

import { once } from 'node:events';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { ioredisAdapter } from '@raptorflow/core/ioredis';
import { runTsChild, stopTsChildren, type TestServers } from '@raptorflow/testkit';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { deleteUnder, randomPrefix, sleep } from './matrix.js';

/*
 * Two child processes, each with 100 (verify:long: 1000) concurrent getOrSet calls on one key of
 * one Redis. With the lease, one process computes and the other waits for its write: one
 * factory run in all. Without it, the in-process single flight still holds each process to one run: two in all.
 *
 * Nothing here waits on a timer: the children start when both are ready, and a factory holds
 * its value until the other process has decided (see the fixture), so the counts hold however
 * slowly the machine runs. With the lease, "decided" is seen on the server: a MONITOR
 * connection watches for both processes' SET NX on the lease key.
 */

const CHILD = fileURLToPath(new URL('./fixtures/stampede-child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const servers: TestServers = inject('raptorflow');
/** Concurrent calls per process: 100 in `pnpm verify`, 1000 in `pnpm verify:long` (RAPTORFLOW_LONG=1). */
const CALLS = process.env.RAPTORFLOW_LONG === '1' ? 1000 : 100;
afterAll(stopTsChildren);

interface Report {
  distinct: number;
  results: Record<string, number>;
  /** Lease outcomes of the process (acquired, waited, timeout, stale). */
  leases?: Record<string, number>;
}

/**
 * Only a bound against a hang, never the decision: four Node processes loading TypeScript
 * through tsx took 8-15 s in all on two cores that other work kept busy (the old 20 s test
 * timeout failed `pnpm verify` there).
 */
const CHILD_TIMEOUT_MS = 90_000;

function runChild(input: unknown): Promise<Report> {
  return runTsChild<Report>(CHILD, input, { timeoutMs: CHILD_TIMEOUT_MS, cwd: ROOT });
}

/**
 * Set `control:contended` once two different connections have sent SET NX on the lease key of
 * `prefix`: the first took the lease, the second found it taken and now waits on it. A raw
 * MONITOR connection (each line: `+<time> [<db> <client addr>] "SET" "<key>" ...`).
 */
async function watchLease(prefix: string, control: { set(k: string, v: string): Promise<unknown> }) {
  const socket = connect(servers.redis.port, servers.redis.host);
  await once(socket, 'connect');
  const sources = new Set<string>();
  let buffered = '';
  let watching = (): void => {};
  const ready = new Promise<void>((resolve) => {
    watching = resolve;
  });
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\r\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      if (line === '+OK') watching(); // MONITOR streams from here on
      const m = /^\+\d+\.\d+ \[\d+ ([^\]]+)\] "set" "([^"]*)"(.*)$/i.exec(line);
      if (!m) continue;
      const [, source, key, rest] = m as unknown as [string, string, string, string];
      if (!key.startsWith(prefix) || !key.includes('l:reports:') || !/"nx"/i.test(rest)) continue;
      sources.add(source);
      if (sources.size === 2) void control.set('contended', '1');
    }
  });
  socket.write('MONITOR\r\n');
  await ready;
  return socket;
}

async function stampede(lease: boolean): Promise<{ runs: number; reports: Report[] }> {
  const prefix = randomPrefix();
  const input = { url: servers.redis.url, prefix, lease, calls: CALLS };
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
    monitor?.destroy();
    await deleteUnder(store, prefix);
    await store.close();
  }
}

describe('stampede across two processes on one Redis', () => {
  it(
    'runs the factory once in all with the lease, once per process without',
    async () => {
      // Separate prefixes: both runs at once, four processes in all.
      const [withLease, without] = await Promise.all([stampede(true), stampede(false)]);
      expect(withLease.runs, `reports: ${JSON.stringify(withLease.reports)}`).toBe(1);
      for (const r of withLease.reports) expect(r.distinct).toBe(1);
      const waiter = withLease.reports.find((r) => (r.results.miss ?? 0) === 0);
      expect(waiter?.results.dedup).toBe(CALLS); // one waited on the lease, the rest on it in-process
      expect(without.runs).toBe(2);
      for (const r of without.reports) expect(r.results).toEqual({ miss: 1, dedup: CALLS - 1 });
      // Bound against a hang only (see CHILD_TIMEOUT_MS): the children's start-up is the slow part.
    },
    CHILD_TIMEOUT_MS + 10_000,
  );
});

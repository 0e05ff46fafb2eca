import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ioredisAdapter } from '@raptorflow/core/ioredis';
import { runTsChild, stopTsChildren } from '@raptorflow/testkit';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createLocks } from '../src/index.js';

/*
 * The proof of mutual exclusion across processes, on one redis-server (loopback). Three child
 * processes × many workers contend for a few resources; each holder logs `<fence>:in` and
 * `<fence>:out` to the resource's list in Redis, whose order is the store's own. The checker
 * finds no `in` before the previous `out` (no two holders) and strictly increasing fencing
 * tokens per resource. `pnpm verify` runs a small size; `pnpm verify:long`
 * (RAPTORFLOW_LONG=1) the full one, 10,000 acquisitions.
 */

const LONG = process.env.RAPTORFLOW_LONG === '1';
const CHILDREN = 3;
const WORKERS = LONG ? 32 : 8;
const PER_CHILD = LONG ? 3_334 : 100;
const CONTENDER = fileURLToPath(new URL('./fixtures/contender.ts', import.meta.url));
const PAUSED = fileURLToPath(new URL('./fixtures/paused-holder.ts', import.meta.url));
const servers = inject('raptorflow');
const store = ioredisAdapter({ host: servers.redis.host, port: servers.redis.port });
afterAll(async () => {
  stopTsChildren();
  await store.close();
});

/** Problems in one resource's log: overlaps and fences that do not grow. */
function checkLog(entries: readonly string[]): {
  overlaps: number;
  nonIncreasing: number;
  holds: number;
} {
  let overlaps = 0;
  let nonIncreasing = 0;
  let holds = 0;
  let open: number | undefined;
  let last = 0;
  for (const entry of entries) {
    const [fence, what] = entry.split(':') as [string, string];
    const f = Number(fence);
    if (what === 'in') {
      if (open !== undefined) overlaps += 1;
      if (f <= last) nonIncreasing += 1;
      open = f;
      last = f;
      holds += 1;
    } else {
      if (open !== f) overlaps += 1;
      open = undefined;
    }
  }
  return { overlaps, nonIncreasing, holds };
}

describe('never two holders', () => {
  it('the checker finds a planted overlap and a planted stale token', () => {
    expect(checkLog(['1:in', '1:out', '2:in', '2:out'])).toEqual({ overlaps: 0, nonIncreasing: 0, holds: 2 });
    expect(checkLog(['1:in', '2:in', '1:out', '2:out']).overlaps).toBeGreaterThan(0);
    expect(checkLog(['2:in', '2:out', '1:in', '1:out']).nonIncreasing).toBe(1);
  });

  it(`${CHILDREN} processes × ${WORKERS} workers, ${CHILDREN * PER_CHILD} acquisitions: 0 overlaps, growing fences`, async () => {
    const prefix = `lockproof:${process.pid}-${Date.now().toString(36)}:`;
    const resources = ['r1', 'r2', 'r3'];
    const input = {
      host: servers.redis.host,
      port: servers.redis.port,
      prefix,
      resources,
      workers: WORKERS,
      acquisitions: PER_CHILD,
      // Bounds, not expectations: the run takes ~20 s with both cores busy (most of it the
      // children's start-up through tsx), and a 40 s deadline failed under a load average of 20+.
      deadline: Date.now() + (LONG ? 240_000 : 150_000),
    };
    const timeoutMs = LONG ? 280_000 : 170_000;
    const results = await Promise.all(
      Array.from({ length: CHILDREN }, () =>
        runTsChild<{ acquired: number; staleWrites: number }>(CONTENDER, input, { timeoutMs }),
      ),
    );
    let holds = 0;
    for (const resource of resources) {
      const log = await store.lrange(`${prefix}log:${resource}`, 0, -1);
      const check = checkLog(log);
      expect(check.overlaps).toBe(0);
      expect(check.nonIncreasing).toBe(0);
      holds += check.holds;
    }
    const acquired = results.reduce((n, r) => n + r.acquired, 0);
    expect(holds).toBe(acquired);
    expect(acquired).toBe(CHILDREN * PER_CHILD);
    expect(results.every((r) => r.staleWrites === 0)).toBe(true);
    await store.del([...resources.map((r) => `${prefix}log:${r}`)]);
  }, 300_000);

  it('a holder paused past its TTL (SIGSTOP) loses: its signal aborts and its fenced write is refused', async () => {
    const prefix = `lockpause:${process.pid}-${Date.now().toString(36)}:`;
    const input = { host: servers.redis.host, port: servers.redis.port, prefix, ttl: 1_500 };
    const child: ChildProcess = spawn(
      process.execPath,
      ['--conditions=@raptorflow/source', '--import', 'tsx', PAUSED, JSON.stringify(input)],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    const pid = child.pid as number;
    let out = '';
    let err = '';
    child.stdout?.on('data', (d) => {
      out += d;
    });
    child.stderr?.on('data', (d) => {
      err += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const line = async (n: number) => {
        while (out.split('\n').filter(Boolean).length < n) {
          if (child.exitCode !== null) throw new Error(`paused-holder exited: ${err.slice(0, 1000)}`);
          await new Promise((r) => setTimeout(r, 20));
        }
        return JSON.parse(out.split('\n').filter(Boolean)[n - 1] as string);
      };
      const { fence } = (await line(1)) as { fence: number };
      process.kill(pid, 'SIGSTOP');
      // Another owner gets the lock once its TTL runs out on the store's clock (the event).
      const locks = createLocks({ store, prefix });
      const next = await locks.acquire('paused', {
        wait: '30s',
        retry: { minDelay: '50ms', maxDelay: '200ms' },
      });
      expect(next.fence).toBe(fence + 1);
      await locks.fencedWrite('paused', 'from the successor', next.fence);
      process.kill(pid, 'SIGCONT');
      child.stdin?.write('go\n');
      const report = (await line(2)) as { aborted: boolean; reason: string; write: string };
      expect(report).toEqual({ aborted: true, reason: 'E_LOCK_EXPIRED', write: 'E_LOCK_STALE_FENCE' });
      expect(await locks.fencedRead('paused')).toEqual({ value: 'from the successor', fence: next.fence });
      await next.release();
      await locks.close();
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) {
        process.kill(pid, 'SIGCONT');
        process.kill(pid, 'SIGKILL');
      }
    }
  }, 60_000);
});

import { ioredisAdapter } from '@raptorflow/core/ioredis';
import { describe, it } from 'vitest';
import { LONG, prove, servers } from './fixtures/proof.js';

/*
 * "Nothing lost, nothing twice", across processes on one redis-server (loopback): four worker
 * child processes with ~1 s leases process a pre-filled queue while this file SIGKILLs one at
 * random (and starts a new one) at fixed points of progress, and SIGSTOPs one past its lease
 * once. At the end, every job is either
 * completed exactly once by the queue's own record (the kept-completions set: a second
 * completion of an id would be counted as `duplicate`) or in dead letters by its delivery
 * limit; the at-least-once handler log shows the re-deliveries the kills caused; and a
 * completion with each lease token that was live at a kill is refused and counted as stale.
 * `pnpm verify` runs 500 jobs and 3 kills; `pnpm verify:long` (RAPTORFLOW_LONG=1) 10,000 and 20.
 */

describe('nothing lost, nothing twice', () => {
  it(`4 worker processes on one Redis, ${LONG ? '10,000 jobs, 20' : '500 jobs, 3'} SIGKILLs and a SIGSTOP past the lease`, async () => {
    const store = ioredisAdapter({ host: servers.redis.host, port: servers.redis.port });
    try {
      const r = await prove({
        store,
        kind: 'ioredis',
        jobs: LONG ? 10_000 : 500,
        kills: LONG ? 20 : 3,
        freeze: true,
        budgetMs: LONG ? 600_000 : 50_000,
      });
      console.log('ioredis proof', r);
    } finally {
      await store.close();
    }
  }, 700_000);
});

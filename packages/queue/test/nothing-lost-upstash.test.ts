import { upstashAdapter } from '@raptorflow/core/upstash';
import { describe, it } from 'vitest';
import { LONG, prove, servers } from './fixtures/proof.js';

// The proof of nothing-lost.test.ts through the local Upstash REST server (HTTP, one request per
// round trip), smaller: a separate file so it runs beside the ioredis one.
describe('nothing lost, nothing twice (Upstash)', () => {
  it(`the same through the local Upstash server: ${LONG ? '2,000 jobs, 6 SIGKILLs and a SIGSTOP' : '100 jobs, 1 SIGKILL'}`, async () => {
    const store = upstashAdapter({ url: servers.upstash.url, token: servers.upstash.token });
    try {
      const r = await prove({
        store,
        kind: 'upstash',
        jobs: LONG ? 2_000 : 100,
        kills: LONG ? 6 : 1,
        freeze: LONG,
        budgetMs: LONG ? 600_000 : 50_000,
      });
      console.log('upstash proof', r);
    } finally {
      await store.close();
    }
  }, 700_000);
});

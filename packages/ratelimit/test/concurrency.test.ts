import type { KvStore } from '@raptorflow/core';
import { storeMatrix } from '@raptorflow/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRateLimiter } from '../src/index.js';
import type { AlgorithmName } from '../src/scripts/index.js';
import { type Admission, violation } from './invariants.js';
import { uniquePrefix } from './stores.js';

/*
 * Property: whatever the limits, costs and interleaving, several clients hammering one
 * identifier never get more admitted than the algorithm's guarantee allows (see invariants.ts).
 * Each client is its own limiter on its own connection; the check uses the store-clock
 * timestamps of the replies, so it holds the algorithms to the store's time, not the test's.
 */

const ALGORITHMS: AlgorithmName[] = ['gcra', 'fixed-window', 'sliding-window', 'sliding-log', 'token-bucket'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const scenario = fc.record({
  policies: fc.array(
    fc.record({
      limit: fc.integer({ min: 1, max: 6 }),
      window: fc.constantFrom(25, 60, 150),
      extra: fc.integer({ min: 0, max: 3 }),
    }),
    { minLength: 1, maxLength: 2 },
  ),
  clients: fc.integer({ min: 2, max: 4 }),
  calls: fc.array(
    fc.record({
      cost: fc.integer({ min: 1, max: 3 }),
      pause: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 8 })),
    }),
    { minLength: 4, maxLength: 14 },
  ),
});

// Core's matrix: memory, ioredis, ioredis Cluster (3 masters), Upstash through the local REST server.
for (const target of storeMatrix()) {
  describe(`${target.name}: concurrent clients never exceed the limit`, () => {
    for (const algorithm of ALGORITHMS) {
      it(algorithm, async () => {
        // Shared stores: one connection per client. Memory: several clients in one process on one store.
        const clients: KvStore[] = [];
        for (let i = 0; i < 4; i++) {
          clients.push(
            target.capabilities.shared || i === 0 ? await target.create() : (clients[0] as KvStore),
          );
        }
        await fc.assert(
          fc.asyncProperty(scenario, async ({ policies, clients: k, calls }) => {
            const prefix = uniquePrefix(`conc-${algorithm}`);
            const limits = policies.map((p, i) => ({
              name: `p${i}`,
              limit: p.limit,
              window: p.window,
              burst: algorithm === 'token-bucket' ? p.limit + p.extra : undefined,
            }));
            const limiters = clients
              .slice(0, k)
              .map((store) => createRateLimiter({ store, algorithm, limits, prefix, blockCache: false }));
            const seen: Admission[] = [];
            await Promise.all(
              limiters.map(async (rl, c) => {
                for (const [i, call] of calls.entries()) {
                  if (call.pause > 0 && (i + c) % 2 === 0) await sleep(call.pause);
                  const r = await rl.limit('shared', { cost: call.cost });
                  expect(r.reason === 'allowed' || r.reason === 'limited').toBe(true);
                  seen.push({ now: r.now, cost: call.cost, allowed: r.allowed });
                }
              }),
            );
            for (const [i, p] of limits.entries()) {
              const v = violation(algorithm, { limit: p.limit, window: p.window, burst: p.burst ?? 0 }, seen);
              expect(v, `policy ${i}`).toBeUndefined();
            }
          }),
          { numRuns: 4 },
        );
      });
    }
  });
}

describe('the invariant checker can fail', () => {
  it('flags an over-admission for every algorithm', () => {
    const burst = [0, 0, 1].map((now) => ({ now: 1000 + now, cost: 1, allowed: true }));
    for (const algorithm of ALGORITHMS) {
      expect(violation(algorithm, { limit: 2, window: 100, burst: 2 }, burst)).toBeDefined();
    }
  });
});

import { fileURLToPath } from 'node:url';
import { ioredisAdapter } from '@raptorflow/core/ioredis';
import { runTsChild, stopTsChildren } from '@raptorflow/testkit';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createRateLimiter } from '../src/index.js';
import type { AlgorithmName } from '../src/scripts/index.js';
import { type Admission, violation } from './invariants.js';
import { uniquePrefix } from './stores.js';

/*
 * Two child processes and this process share identifiers on one redis-server, each algorithm
 * in its own time slot; every process's calls overlap with the others'. The union of what they
 * were admitted must respect the limit.
 */

const ALGORITHMS: AlgorithmName[] = ['gcra', 'fixed-window', 'sliding-window', 'sliding-log', 'token-bucket'];
const CHILD = fileURLToPath(new URL('./fixtures/child-limiter.ts', import.meta.url));
const servers = inject('raptorflow');
afterAll(stopTsChildren);

function runChild(input: unknown): Promise<Record<string, Admission[]>> {
  return runTsChild<Record<string, Admission[]>>(CHILD, input, { timeoutMs: 25_000 });
}

describe('two child processes and the parent on one Redis', () => {
  it('never admit more than the limit together', async () => {
    const startAt = Date.now() + 3000; // the children need time to start (tsx)
    const calls = 30;
    const phases = ALGORITHMS.map((algorithm, i) => ({
      algorithm,
      prefix: uniquePrefix(`proc-${algorithm}`),
      limit: 4,
      window: 80,
      burst: algorithm === 'token-bucket' ? 6 : undefined,
      at: startAt + i * 300,
    }));
    const input = { host: servers.redis.host, port: servers.redis.port, phases, calls };
    const kids = [runChild(input), runChild(input)];
    for (const k of kids) k.catch(() => undefined); // awaited below; avoid an unhandled rejection meanwhile
    const store = ioredisAdapter({ host: servers.redis.host, port: servers.redis.port });
    const mine: Record<string, Admission[]> = {};
    for (const phase of phases) {
      const rl = createRateLimiter({
        store,
        algorithm: phase.algorithm,
        limit: phase.limit,
        window: phase.window,
        burst: phase.burst,
        prefix: phase.prefix,
        blockCache: false,
      });
      await rl.peek('warm-up');
      const wait = phase.at - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, Math.min(wait, 10_000)));
      const seen: Admission[] = [];
      for (let i = 0; i < calls; i++) {
        const cost = 1 + (i % 2);
        const r = await rl.limit('shared', { cost });
        seen.push({ now: r.now, cost, allowed: r.allowed });
      }
      mine[phase.algorithm] = seen;
    }
    const [a, b] = await Promise.all(kids);
    await store.close();
    for (const phase of phases) {
      const all = [
        ...(mine[phase.algorithm] ?? []),
        ...(a?.[phase.algorithm] ?? []),
        ...(b?.[phase.algorithm] ?? []),
      ];
      expect(all).toHaveLength(3 * calls);
      const policy = { limit: phase.limit, window: phase.window, burst: phase.burst ?? 0 };
      expect(violation(phase.algorithm, policy, all), phase.algorithm).toBeUndefined();
      // The processes really did contend: some calls were refused.
      expect(
        all.some((c) => !c.allowed),
        phase.algorithm,
      ).toBe(true);
    }
  }, 30_000);
});

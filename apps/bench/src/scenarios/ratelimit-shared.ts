import type { AlgorithmName } from '@raptorflow/ratelimit';
import { defineScenario, type Scenario } from '../types.js';

/** Identifiers checked round robin, as in research/perf-anchors.md (RLF: 1,000 keys). */
export const IDENTIFIERS: readonly string[] = Array.from({ length: 1000 }, (_, i) => `user-${i}`);
/** A limit no run reaches (the anchors measured rate-limiter-flexible with points 1e9, 60 s). */
export const NEVER_REACHED = 1_000_000_000;
/** Window of every rate-limit scenario, ms. */
export const WINDOW_MS = 60_000;

/**
 * One of our algorithms: `limiter.limit(id)` on one of 1,000 identifiers, round robin, with a
 * limit never reached (sliding-log keeps one entry per admitted call, so it gets 10,000
 * identifiers and its largest limit, 1,000 per window).
 */
export function ourAlgorithm(algorithm: AlgorithmName): Scenario {
  return defineScenario({
    name: `ratelimit-${algorithm}`,
    description: `@raptorflow/ratelimit ${algorithm}: limiter.limit(id), 1,000 identifiers, never rejects`,
    adapters: ['memory', 'ioredis', 'node-redis'],
    baseline: 'ratelimit-rlf',
    async setup(ctx) {
      const { createRateLimiter } = await import('@raptorflow/ratelimit');
      const store = await ctx.store();
      const log = algorithm === 'sliding-log';
      const ids = log ? Array.from({ length: 10_000 }, (_, i) => `user-${i}`) : IDENTIFIERS;
      const prefix = `${ctx.fixtures.prefix}rl:`;
      const limiter = createRateLimiter({
        store,
        algorithm,
        limit: log ? 1000 : NEVER_REACHED,
        window: WINDOW_MS,
        prefix,
        blockCache: false,
      });
      const n = ids.length;
      return {
        op: (i) => limiter.limit(ids[i % n] as string),
        async teardown() {
          for (let i = 0; i < n; i += 500) {
            await store.del(ids.slice(i, i + 500).flatMap((id) => limiter.keys(id)));
          }
        },
      };
    },
  });
}

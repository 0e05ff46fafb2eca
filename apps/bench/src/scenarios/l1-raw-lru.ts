import { LRUCache } from 'lru-cache';
import { defineScenario, type Scenario } from '../types.js';

/**
 * lru-cache 11 `get` with no RaptorFlow code, wrapped in a resolved promise as the harness awaits
 * every op: the floor under `l1-hit`. Same keys, values, entry count and per-entry TTL.
 */
const scenario: Scenario = defineScenario({
  name: 'l1-raw-lru',
  description: 'lru-cache get (max 10,000, per-entry TTL), no RaptorFlow code: baseline of l1-hit',
  adapters: ['memory', 'ioredis'],
  async setup(ctx) {
    const { keys, values } = ctx.fixtures;
    const cache = new LRUCache<string, { value: string }>({ max: keys.length, ttlAutopurge: false });
    for (let i = 0; i < keys.length; i++) {
      cache.set(keys[i] as string, { value: values[i] as string }, { ttl: 600_000 });
    }
    const n = keys.length;
    return {
      op: (i) => Promise.resolve(cache.get(keys[i % n] as string)?.value ?? null),
      async teardown() {},
    };
  },
});

export default scenario;

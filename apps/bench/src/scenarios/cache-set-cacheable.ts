import { defineScenario, type Scenario } from '../types.js';
import { cacheable } from './cache-libs.js';

/** cacheable 2 (CacheableMemory + @keyv/redis): set(key, value): ~110-byte JSON to Redis (and L1 where the library keeps one). Inputs and peers' setup: cache-shared.ts, cache-libs.ts. */
const scenario: Scenario = defineScenario({
  name: 'cache-set-cacheable',
  description:
    'cacheable 2 (CacheableMemory + @keyv/redis) set(key, value): ~110-byte JSON to Redis (and L1 where the library keeps one)',
  adapters: ['ioredis'],
  baseline: 'cache-set-raptorflow',
  async setup(ctx) {
    if (!ctx.redis) throw new Error('cache-set-cacheable needs Redis');
    return cacheable(ctx.redis, 'set', `${ctx.fixtures.prefix}set:`);
  },
});

export default scenario;

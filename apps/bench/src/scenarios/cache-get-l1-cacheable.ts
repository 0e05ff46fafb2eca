import { defineScenario, type Scenario } from '../types.js';
import { cacheable } from './cache-libs.js';

/** cacheable 2 (CacheableMemory + @keyv/redis): get(key): hit served by the in-process tier (L1 holds all 1,000 keys), ~110-byte JSON. Inputs and peers' setup: cache-shared.ts, cache-libs.ts. */
const scenario: Scenario = defineScenario({
  name: 'cache-get-l1-cacheable',
  description:
    'cacheable 2 (CacheableMemory + @keyv/redis) get(key): hit served by the in-process tier (L1 holds all 1,000 keys), ~110-byte JSON',
  adapters: ['ioredis'],
  baseline: 'cache-get-l1-raptorflow',
  async setup(ctx) {
    if (!ctx.redis) throw new Error('cache-get-l1-cacheable needs Redis');
    return cacheable(ctx.redis, 'get-l1', `${ctx.fixtures.prefix}get-l1:`);
  },
});

export default scenario;

import { defineScenario, type Scenario } from '../types.js';
import { cacheManager } from './cache-libs.js';

/** cache-manager 7 (Keyv + @keyv/redis): set(key, value): ~110-byte JSON to Redis (and L1 where the library keeps one). Inputs and peers' setup: cache-shared.ts, cache-libs.ts. */
const scenario: Scenario = defineScenario({
  name: 'cache-set-cache-manager',
  description:
    'cache-manager 7 (Keyv + @keyv/redis) set(key, value): ~110-byte JSON to Redis (and L1 where the library keeps one)',
  adapters: ['ioredis'],
  baseline: 'cache-set-raptorflow',
  async setup(ctx) {
    if (!ctx.redis) throw new Error('cache-set-cache-manager needs Redis');
    return cacheManager(ctx.redis, 'set', `${ctx.fixtures.prefix}set:`);
  },
});

export default scenario;

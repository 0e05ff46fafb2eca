import { defineScenario, type Scenario } from '../types.js';
import { cacheManager } from './cache-libs.js';

/** cache-manager 7 (Keyv + @keyv/redis): getOrSet(newKey, factory): a miss on a key never written, factory returns at once, value written to Redis. Inputs and peers' setup: cache-shared.ts, cache-libs.ts. */
const scenario: Scenario = defineScenario({
  name: 'cache-miss-cache-manager',
  description:
    'cache-manager 7 (Keyv + @keyv/redis) getOrSet(newKey, factory): a miss on a key never written, factory returns at once, value written to Redis',
  adapters: ['ioredis'],
  baseline: 'cache-miss-raptorflow',
  async setup(ctx) {
    if (!ctx.redis) throw new Error('cache-miss-cache-manager needs Redis');
    return cacheManager(ctx.redis, 'miss', `${ctx.fixtures.prefix}miss:`);
  },
});

export default scenario;

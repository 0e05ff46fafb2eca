import { defineScenario, type Scenario } from '../types.js';
import { cacheManager } from './cache-libs.js';

/** cache-manager 7 (Keyv + @keyv/redis): get(key): hit served by Redis (no L1), ~110-byte JSON. Inputs and peers' setup: cache-shared.ts, cache-libs.ts. */
const scenario: Scenario = defineScenario({
  name: 'cache-get-l2-cache-manager',
  description: 'cache-manager 7 (Keyv + @keyv/redis) get(key): hit served by Redis (no L1), ~110-byte JSON',
  adapters: ['ioredis'],
  baseline: 'cache-get-l2-raptorflow',
  async setup(ctx) {
    if (!ctx.redis) throw new Error('cache-get-l2-cache-manager needs Redis');
    return cacheManager(ctx.redis, 'get-l2', `${ctx.fixtures.prefix}get-l2:`);
  },
});

export default scenario;

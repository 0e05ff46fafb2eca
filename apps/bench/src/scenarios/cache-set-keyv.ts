import { defineScenario, type Scenario } from '../types.js';
import { keyv } from './cache-libs.js';

/** keyv 5 + @keyv/redis: set(key, value): ~110-byte JSON to Redis (and L1 where the library keeps one). Inputs and peers' setup: cache-shared.ts, cache-libs.ts. */
const scenario: Scenario = defineScenario({
  name: 'cache-set-keyv',
  description:
    'keyv 5 + @keyv/redis set(key, value): ~110-byte JSON to Redis (and L1 where the library keeps one)',
  adapters: ['ioredis'],
  baseline: 'cache-set-raptorflow',
  async setup(ctx) {
    if (!ctx.redis) throw new Error('cache-set-keyv needs Redis');
    return keyv(ctx.redis, 'set', `${ctx.fixtures.prefix}set:`);
  },
});

export default scenario;

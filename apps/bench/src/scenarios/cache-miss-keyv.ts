import { defineScenario, type Scenario } from '../types.js';
import { keyv } from './cache-libs.js';

/** keyv 5 + @keyv/redis: getOrSet(newKey, factory): a miss on a key never written, factory returns at once, value written to Redis. Inputs and peers' setup: cache-shared.ts, cache-libs.ts. */
const scenario: Scenario = defineScenario({
  name: 'cache-miss-keyv',
  description:
    'keyv 5 + @keyv/redis getOrSet(newKey, factory): a miss on a key never written, factory returns at once, value written to Redis',
  adapters: ['ioredis'],
  baseline: 'cache-miss-raptorflow',
  async setup(ctx) {
    if (!ctx.redis) throw new Error('cache-miss-keyv needs Redis');
    return keyv(ctx.redis, 'miss', `${ctx.fixtures.prefix}miss:`);
  },
});

export default scenario;

import { defineScenario, type Scenario } from '../types.js';
import { bentocache } from './cache-libs.js';

/** bentocache 1.6: getOrSet(newKey, factory): a miss on a key never written, factory returns at once, value written to Redis. Inputs and peers' setup: cache-shared.ts, cache-libs.ts. */
const scenario: Scenario = defineScenario({
  name: 'cache-miss-bentocache',
  description:
    'bentocache 1.6 getOrSet(newKey, factory): a miss on a key never written, factory returns at once, value written to Redis',
  adapters: ['ioredis'],
  baseline: 'cache-miss-raptorflow',
  async setup(ctx) {
    if (!ctx.redis) throw new Error('cache-miss-bentocache needs Redis');
    return bentocache(ctx.redis, 'miss', `${ctx.fixtures.prefix}miss:`);
  },
});

export default scenario;

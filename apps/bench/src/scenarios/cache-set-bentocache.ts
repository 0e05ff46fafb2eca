import { defineScenario, type Scenario } from '../types.js';
import { bentocache } from './cache-libs.js';

/** bentocache 1.6: set(key, value): ~110-byte JSON to Redis (and L1 where the library keeps one). Inputs and peers' setup: cache-shared.ts, cache-libs.ts. */
const scenario: Scenario = defineScenario({
  name: 'cache-set-bentocache',
  description: 'bentocache 1.6 set(key, value): ~110-byte JSON to Redis (and L1 where the library keeps one)',
  adapters: ['ioredis'],
  baseline: 'cache-set-raptorflow',
  async setup(ctx) {
    if (!ctx.redis) throw new Error('cache-set-bentocache needs Redis');
    return bentocache(ctx.redis, 'set', `${ctx.fixtures.prefix}set:`);
  },
});

export default scenario;

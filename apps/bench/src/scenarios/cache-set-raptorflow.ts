import { defineScenario, type Scenario } from '../types.js';
import { raptorflowCache } from './cache-libs.js';

/** @raptorflow/cache: set(key, value): ~110-byte JSON to Redis (and L1 where the library keeps one). Inputs and peers' setup: cache-shared.ts, cache-libs.ts. */
const scenario: Scenario = defineScenario({
  name: 'cache-set-raptorflow',
  description:
    '@raptorflow/cache set(key, value): ~110-byte JSON to Redis (and L1 where the library keeps one)',
  adapters: ['ioredis', 'node-redis'],
  async setup(ctx) {
    return raptorflowCache(ctx, 'set', `${ctx.fixtures.prefix}set:`);
  },
});

export default scenario;

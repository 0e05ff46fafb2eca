import { defineScenario, type Scenario } from '../types.js';
import { raptorflowCache } from './cache-libs.js';

/** @raptorflow/cache: getOrSet(newKey, factory): a miss on a key never written, factory returns at once, value written to Redis. Inputs and peers' setup: cache-shared.ts, cache-libs.ts. */
const scenario: Scenario = defineScenario({
  name: 'cache-miss-raptorflow',
  description:
    '@raptorflow/cache getOrSet(newKey, factory): a miss on a key never written, factory returns at once, value written to Redis',
  adapters: ['ioredis', 'node-redis'],
  async setup(ctx) {
    return raptorflowCache(ctx, 'miss', `${ctx.fixtures.prefix}miss:`);
  },
});

export default scenario;

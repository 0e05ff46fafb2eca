import { defineScenario, type Scenario } from '../types.js';
import { raptorflowCache } from './cache-libs.js';

/** @raptorflow/cache: get(key): hit served by Redis (no L1), ~110-byte JSON. Inputs and peers' setup: cache-shared.ts, cache-libs.ts. */
const scenario: Scenario = defineScenario({
  name: 'cache-get-l2-raptorflow',
  description: '@raptorflow/cache get(key): hit served by Redis (no L1), ~110-byte JSON',
  adapters: ['ioredis', 'node-redis'],
  async setup(ctx) {
    return raptorflowCache(ctx, 'get-l2', `${ctx.fixtures.prefix}get-l2:`);
  },
});

export default scenario;

import { defineScenario, type Scenario } from '../types.js';
import { raptorflowCache } from './cache-libs.js';

/** @raptorflow/cache: get(key): hit served by the in-process tier (L1 holds all 1,000 keys), ~110-byte JSON. Inputs and peers' setup: cache-shared.ts, cache-libs.ts. */
const scenario: Scenario = defineScenario({
  name: 'cache-get-l1-raptorflow',
  description:
    '@raptorflow/cache get(key): hit served by the in-process tier (L1 holds all 1,000 keys), ~110-byte JSON',
  adapters: ['ioredis', 'node-redis'],
  async setup(ctx) {
    return raptorflowCache(ctx, 'get-l1', `${ctx.fixtures.prefix}get-l1:`);
  },
});

export default scenario;

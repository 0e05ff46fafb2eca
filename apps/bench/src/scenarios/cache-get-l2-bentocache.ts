import { defineScenario, type Scenario } from '../types.js';
import { bentocache } from './cache-libs.js';

/** bentocache 1.6: get(key): hit served by Redis (no L1), ~110-byte JSON. Inputs and peers' setup: cache-shared.ts, cache-libs.ts. */
const scenario: Scenario = defineScenario({
  name: 'cache-get-l2-bentocache',
  description: 'bentocache 1.6 get(key): hit served by Redis (no L1), ~110-byte JSON',
  adapters: ['ioredis'],
  baseline: 'cache-get-l2-raptorflow',
  async setup(ctx) {
    if (!ctx.redis) throw new Error('cache-get-l2-bentocache needs Redis');
    return bentocache(ctx.redis, 'get-l2', `${ctx.fixtures.prefix}get-l2:`);
  },
});

export default scenario;

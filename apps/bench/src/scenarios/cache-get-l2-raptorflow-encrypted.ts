import { defineScenario, type Scenario } from '../types.js';
import { raptorflowCache } from './cache-libs.js';

/**
 * @raptorflow/cache get(key) with `encryption` on the namespace: hit served by Redis (no L1),
 * ~110-byte JSON decrypted (AES-256-GCM, Web Crypto) per read. Its baseline is the same row
 * without encryption, so `vs` is the share of the unencrypted rate kept.
 */
const scenario: Scenario = defineScenario({
  name: 'cache-get-l2-raptorflow-encrypted',
  description:
    '@raptorflow/cache get(key), encrypted namespace: hit served by Redis (no L1), ~110-byte JSON, AES-256-GCM',
  adapters: ['ioredis', 'node-redis'],
  baseline: 'cache-get-l2-raptorflow',
  async setup(ctx) {
    return raptorflowCache(ctx, 'get-l2', `${ctx.fixtures.prefix}get-l2-aes:`, undefined, true);
  },
});

export default scenario;

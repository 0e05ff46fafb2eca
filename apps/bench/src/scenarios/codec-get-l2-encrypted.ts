import { defineScenario, type Scenario } from '../types.js';
import { codecGet } from './codec-get-l2-shared.js';

/** store.get + encryptedCodec(jsonCodec()) decode (AES-256-GCM via Web Crypto), served by Redis, ~110-byte JSON. */
const scenario: Scenario = defineScenario({
  name: 'codec-get-l2-encrypted',
  description:
    'store.get + encryptedCodec(jsonCodec()).decode (AES-256-GCM, Web Crypto), served by Redis, ~110-byte JSON',
  adapters: ['ioredis'],
  baseline: 'codec-get-l2-json',
  async setup(ctx) {
    if (!ctx.redis) throw new Error('codec-get-l2-encrypted needs Redis');
    return codecGet(ctx.redis, true, `${ctx.fixtures.prefix}codec-aes:`);
  },
});

export default scenario;

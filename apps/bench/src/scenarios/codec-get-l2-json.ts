import { defineScenario, type Scenario } from '../types.js';
import { codecGet } from './codec-get-l2-shared.js';

/** store.get + jsonCodec decode, served by Redis, ~110-byte JSON: the baseline of codec-get-l2-encrypted. */
const scenario: Scenario = defineScenario({
  name: 'codec-get-l2-json',
  description: 'store.get + jsonCodec().decode, served by Redis, ~110-byte JSON',
  adapters: ['ioredis'],
  async setup(ctx) {
    if (!ctx.redis) throw new Error('codec-get-l2-json needs Redis');
    return codecGet(ctx.redis, false, `${ctx.fixtures.prefix}codec-json:`);
  },
});

export default scenario;

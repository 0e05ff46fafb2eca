import { Redis } from 'ioredis';
import * as vitest from 'vitest';
import { afterAll, inject } from 'vitest';
import { createStore } from '../src/store.js';
import { runConformance } from '../src/testing/index.js';
import { redisDriver } from './conformance-redis-driver.js';

// The suite checked against redis-server itself through a bare driver: every expectation the
// suite holds adapters to is Redis's own behaviour, not the memory emulation's.
const clients: Redis[] = [];

runConformance({
  name: 'redis-server (bare test driver)',
  create: async () => {
    const { redis } = inject('raptorflow');
    const client = new Redis({ host: redis.host, port: redis.port, protocol: 2, lazyConnect: true });
    await client.connect();
    clients.push(client);
    return createStore(redisDriver(client));
  },
  runner: vitest,
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.quit()));
});
